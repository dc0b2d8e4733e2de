-- Private keys, sealed with the key-encryption key (AES-256-GCM; nonce || ciphertext || tag,
-- base64url). The id and kind are bound in as associated data, so rows cannot be swapped.
CREATE TABLE private_key (
    id         TEXT   PRIMARY KEY,
    kind       TEXT   NOT NULL,
    sealed     TEXT   NOT NULL,
    created_at BIGINT NOT NULL
);

-- The organizations this node hosts, each owning one did:web DID derived from `url`.
CREATE TABLE subject (
    id             TEXT   PRIMARY KEY,
    did            TEXT   NOT NULL UNIQUE,
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL,
    deactivated_at BIGINT
);

-- Verification methods of a subject's DID document; the private key is in private_key.
CREATE TABLE verification_method (
    id            TEXT   PRIMARY KEY, -- DID URL
    subject_id    TEXT   NOT NULL REFERENCES subject (id),
    key_id        TEXT   NOT NULL,
    public_jwk    TEXT   NOT NULL,
    relationships TEXT   NOT NULL,    -- JSON array of relationship names
    seq           BIGINT NOT NULL,    -- order of addition within the subject (newest signs)
    created_at    BIGINT NOT NULL
);
CREATE INDEX verification_method_subject ON verification_method (subject_id);

-- Services of a subject's DID document.
CREATE TABLE service (
    id         TEXT   PRIMARY KEY, -- DID URL
    subject_id TEXT   NOT NULL REFERENCES subject (id),
    type       TEXT   NOT NULL,
    endpoint   TEXT   NOT NULL,    -- JSON
    created_at BIGINT NOT NULL
);
CREATE INDEX service_subject ON service (subject_id);
