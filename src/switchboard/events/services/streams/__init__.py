"""Data streams: customers' receivers of usage and event records (HTTPS webhooks, MQTT brokers, and the SMS
forwarder). `queue` fills and bounds the queues, `pump` delivers them through `targets`, `manage` holds the services.
Import the modules themselves: the outbox needs `queue` while `pump` needs the outbox."""
