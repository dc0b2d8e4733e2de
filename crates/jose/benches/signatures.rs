//! Signature verification speed: the token endpoint's floor. Compare with
//! `openssl speed ecdsap256 ed25519` on the same machine.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use jose::jws::{Header, Unverified, sign};
use jose::{KeyKind, Signer, SigningKey, VerifyingKey};

fn verify(c: &mut Criterion) {
    let payload = br#"{"iss":"did:web:example.com:iam:1","aud":"https://as.example/oauth2/b","exp":1800000005,"nonce":"n"}"#;
    for kind in [KeyKind::P256, KeyKind::Ed25519] {
        let signer = SigningKey::generate(kind).unwrap();
        let key = VerifyingKey::from_jwk(signer.public_jwk()).unwrap();
        let compact = sign(Header::new(kind.algorithm()), payload, &signer).unwrap();
        let message = b"benchmark message of typical JWS signing-input length .........";
        let signature = signer.sign(message).unwrap();
        let alg = kind.algorithm();
        c.bench_function(&format!("{alg} verify (raw)"), |b| {
            b.iter(|| {
                key.verify(alg, black_box(message), black_box(&signature))
                    .unwrap()
            })
        });
        c.bench_function(
            &format!("{alg} verify (compact JWS: parse + verify)"),
            |b| {
                b.iter(|| {
                    Unverified::parse(black_box(&compact))
                        .unwrap()
                        .verify(&key)
                        .unwrap()
                })
            },
        );
        c.bench_function(&format!("{alg} sign"), |b| {
            b.iter(|| signer.sign(black_box(message)).unwrap())
        });
    }
}

criterion_group!(benches, verify);
criterion_main!(benches);
