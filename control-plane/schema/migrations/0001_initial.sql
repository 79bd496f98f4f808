-- Control-plane schema: owners, their sign-in identities and sessions, apps, API keys, metric
-- configs and the audit trail. Table and constraint names are a contract: application code maps
-- constraint names to errors (see control-plane/schema/index.ts). Never edit this file once
-- released; add a new numbered migration instead.

-- Keeps updated_at honest when a caller forgets it, without overriding a caller that sets it
-- (tests and imports pass explicit times).
CREATE FUNCTION set_updated_at() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.updated_at IS NOT DISTINCT FROM OLD.updated_at THEN
    NEW.updated_at := now();
  END IF;
  RETURN NEW;
END;
$$;

-- Owners. Email is unique ignoring case (the lower(email) index), stored as typed.
-- password_hash is null for owners who only sign in with Google.
CREATE TABLE users (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  email text NOT NULL,
  password_hash text,
  name text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT users_email_format CHECK (
    email = btrim(email) AND char_length(email) BETWEEN 3 AND 320 AND email LIKE '_%@_%'
  ),
  CONSTRAINT users_password_hash_not_empty CHECK (password_hash IS NULL OR password_hash <> ''),
  CONSTRAINT users_name_length CHECK (name IS NULL OR char_length(name) <= 200)
);
CREATE UNIQUE INDEX users_email_lower_key ON users (lower(email));
CREATE TRIGGER users_set_updated_at BEFORE UPDATE ON users
  FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- External sign-in identities (OIDC `sub` per provider); one account per provider subject.
CREATE TABLE identities (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  provider text NOT NULL,
  subject text NOT NULL,
  email text,
  email_verified boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT identities_provider_subject_key UNIQUE (provider, subject),
  CONSTRAINT identities_provider_not_empty CHECK (provider <> ''),
  CONSTRAINT identities_subject_not_empty CHECK (subject <> '')
);
CREATE INDEX identities_user_id_idx ON identities (user_id);

-- Apps an owner sends events for.
CREATE TABLE apps (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  owner_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  name text NOT NULL,
  allowed_origins text[] NOT NULL DEFAULT '{}',
  retention_days integer NOT NULL DEFAULT 365,
  time_zone text NOT NULL DEFAULT 'UTC',
  respect_dnt boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT apps_name_length CHECK (char_length(btrim(name)) BETWEEN 1 AND 200),
  CONSTRAINT apps_retention_days_range CHECK (retention_days BETWEEN 1 AND 3650),
  CONSTRAINT apps_time_zone_not_empty CHECK (time_zone <> ''),
  CONSTRAINT apps_allowed_origins_no_nulls CHECK (array_position(allowed_origins, NULL) IS NULL)
);
CREATE INDEX apps_owner_id_idx ON apps (owner_id);
CREATE TRIGGER apps_set_updated_at BEFORE UPDATE ON apps
  FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- API keys. Only the HMAC of a key is stored (lowercase hex HMAC-SHA256), never the key; prefix
-- and last4 are the parts the UI may show. A regenerated key keeps working until grace_until
-- and points at its successor through replaced_by.
CREATE TABLE api_keys (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  app_id uuid NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
  name text NOT NULL DEFAULT '',
  kind text NOT NULL,
  prefix text NOT NULL,
  last4 text NOT NULL,
  key_hmac text NOT NULL,
  scopes text[] NOT NULL DEFAULT '{}',
  created_by uuid REFERENCES users (id) ON DELETE SET NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz,
  revoked_at timestamptz,
  rotated_at timestamptz,
  grace_until timestamptz,
  replaced_by uuid REFERENCES api_keys (id) ON DELETE SET NULL,
  last_used_at timestamptz,
  request_count bigint NOT NULL DEFAULT 0,
  CONSTRAINT api_keys_key_hmac_key UNIQUE (key_hmac),
  CONSTRAINT api_keys_kind_check CHECK (kind IN ('server', 'browser')),
  -- 64 lowercase hex characters: a raw key can never be stored here by mistake.
  CONSTRAINT api_keys_key_hmac_format CHECK (key_hmac ~ '^[0-9a-f]{64}$'),
  CONSTRAINT api_keys_prefix_length CHECK (char_length(prefix) BETWEEN 1 AND 32),
  CONSTRAINT api_keys_last4_length CHECK (char_length(last4) = 4),
  CONSTRAINT api_keys_name_length CHECK (char_length(name) <= 200),
  CONSTRAINT api_keys_scopes_no_nulls CHECK (array_position(scopes, NULL) IS NULL),
  -- Browser keys are public: they may only ingest, whatever the application asked for.
  CONSTRAINT api_keys_browser_ingest_only CHECK (kind = 'server' OR scopes <@ ARRAY['ingest']::text[]),
  CONSTRAINT api_keys_grace_needs_rotation CHECK (grace_until IS NULL OR rotated_at IS NOT NULL),
  CONSTRAINT api_keys_not_replaced_by_self CHECK (replaced_by IS NULL OR replaced_by <> id),
  CONSTRAINT api_keys_request_count_non_negative CHECK (request_count >= 0)
);
CREATE INDEX api_keys_app_id_idx ON api_keys (app_id);
-- Foreign keys with ON DELETE SET NULL scan the referencing column; these keep that cheap.
CREATE INDEX api_keys_created_by_idx ON api_keys (created_by) WHERE created_by IS NOT NULL;
CREATE INDEX api_keys_replaced_by_idx ON api_keys (replaced_by) WHERE replaced_by IS NOT NULL;

-- Metric definitions per app (Prometheus-style): one name per app.
CREATE TABLE metric_configs (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  app_id uuid NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
  name text NOT NULL,
  type text NOT NULL,
  help text NOT NULL DEFAULT '',
  label_names text[] NOT NULL DEFAULT '{}',
  buckets double precision[],
  track jsonb NOT NULL DEFAULT '{}',
  enabled boolean NOT NULL DEFAULT true,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT metric_configs_app_id_name_key UNIQUE (app_id, name),
  CONSTRAINT metric_configs_type_check CHECK (type IN ('counter', 'gauge', 'histogram')),
  CONSTRAINT metric_configs_name_length CHECK (char_length(name) BETWEEN 1 AND 200),
  CONSTRAINT metric_configs_label_names_no_nulls CHECK (array_position(label_names, NULL) IS NULL),
  -- Only histograms have buckets.
  CONSTRAINT metric_configs_buckets_histogram_only CHECK (
    type = 'histogram' OR buckets IS NULL OR cardinality(buckets) = 0
  ),
  CONSTRAINT metric_configs_buckets_no_nulls CHECK (buckets IS NULL OR array_position(buckets, NULL) IS NULL),
  CONSTRAINT metric_configs_track_object CHECK (jsonb_typeof(track) = 'object')
);
CREATE INDEX metric_configs_app_id_idx ON metric_configs (app_id);
CREATE TRIGGER metric_configs_set_updated_at BEFORE UPDATE ON metric_configs
  FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- Owner sessions; the refresh token is stored only as a hash. Revoking the row ends the session.
CREATE TABLE sessions (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  refresh_hash text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  revoked_at timestamptz,
  last_used_at timestamptz,
  user_agent text,
  ip_hash text,
  CONSTRAINT sessions_refresh_hash_key UNIQUE (refresh_hash),
  CONSTRAINT sessions_refresh_hash_not_empty CHECK (refresh_hash <> '')
);
CREATE INDEX sessions_user_id_idx ON sessions (user_id);
-- Purging expired sessions scans by expiry.
CREATE INDEX sessions_expires_at_idx ON sessions (expires_at);

-- Who did what, to what, from where. No foreign keys on purpose: the trail outlives the users
-- and apps it mentions.
CREATE TABLE audit_log (
  id bigserial PRIMARY KEY,
  at timestamptz NOT NULL DEFAULT now(),
  actor_id uuid,
  action text NOT NULL,
  target_type text,
  target_id text,
  app_id uuid,
  ip text,
  details jsonb DEFAULT '{}',
  CONSTRAINT audit_log_action_not_empty CHECK (action <> '')
);
CREATE INDEX audit_log_app_id_at_idx ON audit_log (app_id, at);
CREATE INDEX audit_log_actor_id_at_idx ON audit_log (actor_id, at);
