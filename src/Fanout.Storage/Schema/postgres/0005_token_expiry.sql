-- Fanout store schema, version 5 (PostgreSQL): API tokens may expire (SPEC A5, `fanout token create --expires`).
ALTER TABLE api_tokens ADD COLUMN expires_at TIMESTAMPTZ;
