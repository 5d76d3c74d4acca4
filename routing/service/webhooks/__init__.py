"""Webhooks: subscriptions (:mod:`.subscriptions`), Standard Webhooks signatures (:mod:`.signing`),
and the delivery worker (:mod:`.delivery`) that sends the outbox's events to them."""
