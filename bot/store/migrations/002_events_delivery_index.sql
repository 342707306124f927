-- Replies are looked up by the delivery they answer (taps, the digest) and
-- deliveries.id is referenced by events.delivery_id ON DELETE SET NULL.
CREATE INDEX events_delivery ON events (delivery_id);
