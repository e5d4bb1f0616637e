-- The per-address state of dovecot-sieve-bounce in SQLite, for Dovecot's
-- SQL dict (dovecot-dict-bounce-sqlite.conf.ext maps the keys to these
-- tables). Create the database once, as the user the dict service runs
-- as (dovecot), in a directory that user can write:
--   install -d -o dovecot -g dovecot /var/lib/dovecot-bounce
--   sudo -u dovecot sqlite3 /var/lib/dovecot-bounce/state.sqlite \
--       < /usr/share/dovecot-bounce/bounce-state-sqlite.sql
-- Usernames and addresses are stored dict-escaped ('/' as '\|', '\' as
-- '\\'), addresses lowercased.

-- Write-ahead logging: readers do not wait for writers, and a commit is
-- one fsync. The database keeps this mode.
PRAGMA journal_mode = WAL;

-- One row per address and name: "returned" ("UNIXTIME REASON"), and
-- "soft-last" (the day, in days since the epoch, of the latest soft
-- bounce).
CREATE TABLE IF NOT EXISTS bounce_state (
  username TEXT NOT NULL,
  address TEXT NOT NULL,
  name TEXT NOT NULL,
  value TEXT NOT NULL,
  PRIMARY KEY (username, address, name)
) WITHOUT ROWID;

-- Soft bounces per address and day: count is incremented in place, so
-- the row must exist first: a delivery writes last_time (its time) with
-- the increment, which makes the row.
CREATE TABLE IF NOT EXISTS bounce_soft (
  username TEXT NOT NULL,
  address TEXT NOT NULL,
  day INTEGER NOT NULL,
  count INTEGER NOT NULL DEFAULT 0,
  last_time INTEGER,
  PRIMARY KEY (username, address, day)
) WITHOUT ROWID;

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
) WITHOUT ROWID;
