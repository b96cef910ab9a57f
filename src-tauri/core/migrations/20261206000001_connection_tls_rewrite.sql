-- Per-connection dialer settings: TLS (JSON of TlsSpec: how the server certificate is checked,
-- client certificate and key file paths; NULL = plain TCP) and the address-rewrite table (JSON
-- array of {from, to}). No secret is stored here.
ALTER TABLE connection ADD COLUMN tls TEXT;
ALTER TABLE connection ADD COLUMN rewrites TEXT NOT NULL DEFAULT '[]';
