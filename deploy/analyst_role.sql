-- A read-only role for analysts on the monitor's PostgreSQL database (docs/deploy.md).
-- Run it in the monitor's database as the role that runs `monitor migrate` (the owner of
-- the tables), after the first migration and again after any upgrade; it is idempotent:
--   psql "postgresql://monitor@db.example.org/monitor" -f deploy/analyst_role.sql
-- Then one login per analyst, as a superuser or a role with CREATEROLE:
--   CREATE ROLE alice LOGIN PASSWORD '...' IN ROLE monitor_analyst;
--   ALTER ROLE alice SET default_transaction_read_only = on;
--   ALTER ROLE alice SET statement_timeout = '10min';

DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'monitor_analyst') THEN
    CREATE ROLE monitor_analyst NOLOGIN;
  END IF;
  EXECUTE format('GRANT CONNECT ON DATABASE %I TO monitor_analyst', current_database());
END
$$;

GRANT USAGE ON SCHEMA public TO monitor_analyst;
-- Every table and view, and those later migrations create.
GRANT SELECT ON ALL TABLES IN SCHEMA public TO monitor_analyst;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO monitor_analyst;
-- Subscribers' addresses are not research data.
REVOKE SELECT ON digest_sends FROM monitor_analyst;
-- Nothing else: no INSERT, UPDATE, DELETE, TRUNCATE, CREATE.
REVOKE CREATE ON SCHEMA public FROM monitor_analyst;
