-- Browser keys are public by design (they sit in every page, origin-bound and ingest-only), so
-- the snippet must be able to carry the real key at any time. The control plane keeps a copy
-- sealed with AES-256-GCM under a key derived from API_KEY_SECRET, bound to the row's HMAC:
-- a database dump alone reveals nothing. Server keys are secret and never get a copy.
ALTER TABLE api_keys ADD COLUMN IF NOT EXISTS key_sealed text;
ALTER TABLE api_keys DROP CONSTRAINT IF EXISTS api_keys_key_sealed_browser_only;
ALTER TABLE api_keys ADD CONSTRAINT api_keys_key_sealed_browser_only CHECK (key_sealed IS NULL OR kind = 'browser');
ALTER TABLE api_keys DROP CONSTRAINT IF EXISTS api_keys_key_sealed_format;
ALTER TABLE api_keys ADD CONSTRAINT api_keys_key_sealed_format
  CHECK (key_sealed IS NULL OR key_sealed ~ '^v1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$');
