-- The per-address state of dovecot-sieve-bounce in PostgreSQL, for
-- Dovecot's SQL dict (dovecot-dict-bounce-pgsql.conf.ext maps the keys to
-- these tables). Several Dovecot backends can share it. Create them once,
-- and let the role the dict service connects as read and write them:
--   createdb dovecot_bounce
--   psql -d dovecot_bounce -f /usr/share/dovecot-bounce/bounce-state-pgsql.sql
--   psql -d dovecot_bounce -c 'GRANT SELECT, INSERT, UPDATE, DELETE
--       ON bounce_state, bounce_soft, bounce_seen TO dovecot'
-- Usernames and addresses are stored dict-escaped ('/' as '\|', '\' as
-- '\\'), addresses lowercased.

-- One row per address and name: "returned" ("UNIXTIME REASON"), and
-- "soft-last" (the day, in days since the epoch, of the latest soft
-- bounce).
CREATE TABLE IF NOT EXISTS bounce_state (
  username TEXT NOT NULL,
  address TEXT NOT NULL,
  name TEXT NOT NULL,
  value TEXT NOT NULL,
  PRIMARY KEY (username, address, name)
);

-- Soft bounces per address and day: count is incremented in place, so
-- the row must exist first: a delivery writes last_time (its time) with
-- the increment, which makes the row.
CREATE TABLE IF NOT EXISTS bounce_soft (
  username TEXT NOT NULL,
  address TEXT NOT NULL,
  day BIGINT NOT NULL,
  count BIGINT NOT NULL DEFAULT 0,
  last_time BIGINT,
  PRIMARY KEY (username, address, day)
);

-- What each notification counted, kept for the soft window and a day,
-- so that a notification delivered again counts nothing: kind "n" (name
-- the notification's identity, value what it did), "hour" (name an hour,
-- value the notifications counted in it), "list" (name "hours", value the
-- hours that have such a list).
CREATE TABLE IF NOT EXISTS bounce_seen (
  username TEXT NOT NULL,
  kind TEXT NOT NULL,
  name TEXT NOT NULL,
  value TEXT NOT NULL,
  PRIMARY KEY (username, kind, name)
);
