"""Patient alerts: tell patients who opened or changed their record; hear "that wasn't me".

Public API (see docs/notify.md)::

    subscribe(store, settings, SubscriptionRequest("P123", email="a@b.org", digest="daily"))
    import_subscriptions(store, settings, Path("subscribers.csv"))
    compose(settings, store)        # new ingests -> alerts, due periods -> digests (outbox)
    compose_watch_hits(store, settings)
    deliver(settings, store)        # outbox -> SMTP / webhooks, retries, rate limits
    message_for_link(store, settings, token) / answer_message(...) / unsubscribe_by_link(...)
    enqueue(session, [Outgoing(key, kind, "po@example.org", subject, text)])  # other capabilities
"""

import typing

from phiwatch import _lazy

if typing.TYPE_CHECKING:
    from phiwatch.notify._compose import ComposeResult, compose, period_of
    from phiwatch.notify._deliver import DeliveryResult, deliver, message_id_of
    from phiwatch.notify._describe import describe_activity, describe_person
    from phiwatch.notify._links import LinkClaim, LinkSigner, sign_link, verify_link
    from phiwatch.notify._outbox import Outgoing, backoff, claim, enqueue, outbox_counts
    from phiwatch.notify._patient import (
        MAX_WORDS,
        VERDICTS,
        answer_message,
        check_unsubscribe_link,
        list_reports,
        message_for_link,
        revoke_links,
        unsubscribe_by_link,
    )
    from phiwatch.notify._smtp import SmtpTarget, parse_smtp_url
    from phiwatch.notify._subscriptions import (
        DIGESTS,
        ImportResult,
        SubscriptionRequest,
        import_subscriptions,
        list_subscriptions,
        read_subscription_csv,
        subscribe,
        subscribe_many,
        unsubscribe,
    )
    from phiwatch.notify._watch import (
        add_watch_contact,
        compose_watch_hits,
        list_watch_contacts,
        remove_watch_contact,
    )
    from phiwatch.notify._webhook import sign_webhook, verify_webhook, webhook_key

__getattr__ = _lazy.module_getattr(__name__, __file__)

__all__ = [
    "DIGESTS",
    "MAX_WORDS",
    "VERDICTS",
    "ComposeResult",
    "DeliveryResult",
    "ImportResult",
    "LinkClaim",
    "LinkSigner",
    "Outgoing",
    "SmtpTarget",
    "SubscriptionRequest",
    "add_watch_contact",
    "answer_message",
    "backoff",
    "check_unsubscribe_link",
    "claim",
    "compose",
    "compose_watch_hits",
    "deliver",
    "describe_activity",
    "describe_person",
    "enqueue",
    "import_subscriptions",
    "list_reports",
    "list_subscriptions",
    "list_watch_contacts",
    "message_for_link",
    "message_id_of",
    "outbox_counts",
    "parse_smtp_url",
    "period_of",
    "read_subscription_csv",
    "remove_watch_contact",
    "revoke_links",
    "sign_link",
    "sign_webhook",
    "subscribe",
    "subscribe_many",
    "unsubscribe",
    "unsubscribe_by_link",
    "verify_link",
    "verify_webhook",
    "webhook_key",
]
