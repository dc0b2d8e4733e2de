-- Credentials held in the wallets of this node's subjects.
CREATE TABLE wallet_credential (
    subject_id  TEXT   NOT NULL REFERENCES subject (id),
    id          TEXT   NOT NULL, -- the credential's id
    format      TEXT   NOT NULL, -- jwt_vc | ldp_vc
    issuer      TEXT   NOT NULL,
    types       TEXT   NOT NULL, -- JSON array
    raw         TEXT   NOT NULL, -- as received: the JWT, or the JSON-LD credential
    document    TEXT   NOT NULL, -- the credential in its JSON form
    valid_from  BIGINT,
    valid_until BIGINT,
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (subject_id, id)
);

-- Credentials issued by this node's subjects, with their place on a status list.
CREATE TABLE issued_credential (
    id                TEXT   PRIMARY KEY,
    issuer            TEXT   NOT NULL, -- issuer DID
    subject           TEXT,            -- credentialSubject.id, when single
    types             TEXT   NOT NULL, -- JSON array
    format            TEXT   NOT NULL,
    raw               TEXT   NOT NULL,
    status_list_page  BIGINT,
    status_list_index BIGINT,
    revoked_at        BIGINT,
    created_at        BIGINT NOT NULL
);
CREATE INDEX issued_credential_issuer ON issued_credential (issuer);
CREATE UNIQUE INDEX issued_credential_status ON issued_credential (issuer, status_list_page, status_list_index);
