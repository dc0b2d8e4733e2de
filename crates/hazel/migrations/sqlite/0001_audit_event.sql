-- NEN 7510 audit trail: who did what, when, with what outcome. Never tokens or secrets.
CREATE TABLE audit_event (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    occurred_at BIGINT  NOT NULL, -- Unix time, seconds
    action      TEXT    NOT NULL, -- e.g. token.issued, token.refused, token.introspected
    outcome     TEXT    NOT NULL, -- success | failure
    actor       TEXT    NOT NULL, -- who asked: client_id, DID or internal caller
    subject     TEXT    NOT NULL, -- the subject (organization) of this node that was acted for
    detail      TEXT    NOT NULL  -- JSON object: scope, credential ids, error code, …
);
CREATE INDEX audit_event_subject_time ON audit_event (subject, occurred_at);
