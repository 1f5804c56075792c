//! Signed snapshot envelopes (contract §6).

mod common;

use ed25519_dalek::SigningKey;
use rolegate_gateway::envelope::{sign, verify, Envelope, EnvelopeError, KeyFile, SnapshotKeys};

fn keys() -> (KeyFile, SnapshotKeys) {
    let kf = KeyFile::from_secret("k1", [42u8; 32]);
    let pk = SnapshotKeys::parse(&kf.public_keys_json()).unwrap();
    (kf, pk)
}

#[test]
fn sign_and_verify_round_trip() {
    let (kf, pk) = keys();
    let env = sign(&common::fixture_json(), "k1", &kf.signing_key().unwrap()).unwrap();
    assert_eq!(env.format, "rolegate-envelope/v1");
    let bytes = serde_json::to_vec(&env).unwrap();
    let snap = verify(&bytes, &pk, Some(common::WS), Some(12)).unwrap();
    assert_eq!(snap.revision, 12);
    assert_eq!(verify(&bytes, &pk, Some(common::WS), Some(13)).unwrap_err().code(), "STALE_REVISION");
    assert_eq!(verify(&bytes, &pk, Some("other"), None).unwrap_err().code(), "WORKSPACE_MISMATCH");
}

#[test]
fn the_payload_is_the_validated_snapshot_as_compact_json() {
    let (kf, _) = keys();
    let text = common::fixture_json();
    let env = sign(&text, "k1", &kf.signing_key().unwrap()).unwrap();
    assert!(!env.payload.contains('\n') && env.payload.len() < text.len());
    let a: serde_json::Value = serde_json::from_str(&env.payload).unwrap();
    let b: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(a, b);
    assert!(env.payload.starts_with("{\"format\":\"rolegate/v1\""), "key order is kept");
    assert!(sign("{not json", "k1", &kf.signing_key().unwrap()).is_err());
}

#[test]
fn tampering_and_unknown_keys_are_refused() {
    let (kf, pk) = keys();
    let env = sign(&common::fixture_json(), "k1", &kf.signing_key().unwrap()).unwrap();
    let mut tampered = env.clone();
    tampered.payload = tampered.payload.replace("\"canReadAllObjectRecords\":false", "\"canReadAllObjectRecords\":true");
    tampered.payload = tampered.payload.replacen("\"revision\":12", "\"revision\":99", 1);
    assert_ne!(tampered.payload, env.payload);
    assert_eq!(verify(&serde_json::to_vec(&tampered).unwrap(), &pk, None, None).unwrap_err(), EnvelopeError::BadSignature);
    let mut unknown = env.clone();
    unknown.key_id = "k2".into();
    assert_eq!(verify(&serde_json::to_vec(&unknown).unwrap(), &pk, None, None).unwrap_err().code(), "UNKNOWN_KEY_ID");
    let other = SigningKey::from_bytes(&[1u8; 32]);
    let forged = sign(&common::fixture_json(), "k1", &other).unwrap();
    assert_eq!(verify(&serde_json::to_vec(&forged).unwrap(), &pk, None, None).unwrap_err().code(), "BAD_SIGNATURE");
    for bad in [&b"not json"[..], br#"{"format":"rolegate-envelope/v1"}"#, br#"{"format":"x","keyId":"k1","payload":"{}","signature":""}"#]
    {
        assert_eq!(verify(bad, &pk, None, None).unwrap_err().code(), "MALFORMED_ENVELOPE");
    }
    let mut short_sig = env.clone();
    short_sig.signature = "AAAA".into();
    assert_eq!(verify(&serde_json::to_vec(&short_sig).unwrap(), &pk, None, None).unwrap_err().code(), "MALFORMED_ENVELOPE");
    // a correctly signed but invalid snapshot
    let sk = kf.signing_key().unwrap();
    use ed25519_dalek::Signer;
    let payload = r#"{"format":"rolegate/v1"}"#.to_string();
    let sig = sk.sign(payload.as_bytes()).to_bytes();
    use base64::Engine;
    let e = Envelope {
        format: "rolegate-envelope/v1".into(),
        key_id: "k1".into(),
        payload,
        signature: base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(sig),
    };
    assert_eq!(verify(&serde_json::to_vec(&e).unwrap(), &pk, None, None).unwrap_err().code(), "INVALID_SNAPSHOT");
}

#[test]
fn key_files_and_public_key_config() {
    let kf = KeyFile::from_secret("k1", [3u8; 32]);
    let text = serde_json::to_string(&kf).unwrap();
    let back: KeyFile = serde_json::from_str(&text).unwrap();
    assert!(back.signing_key().is_ok());
    let mut bad = back.clone();
    bad.public_key = KeyFile::from_secret("k1", [4u8; 32]).public_key;
    assert!(bad.signing_key().is_err());
    assert!(SnapshotKeys::parse("{}").is_err());
    assert!(SnapshotKeys::parse(r#"{"k1":"short"}"#).is_err());
    assert!(SnapshotKeys::parse("[]").is_err());
    assert!(!format!("{kf:?}").contains(&kf.private_key), "Debug must not print the secret");
}

/// The worker's path: signature, shape, workspace and revision first, then one validation while
/// compiling. It must refuse exactly what `verify` refuses.
#[test]
fn verify_signed_then_compile_refuses_what_verify_refuses() {
    use base64::Engine;
    use ed25519_dalek::Signer;
    use rolegate_gateway::envelope::verify_signed;
    let (kf, pk) = keys();
    let sk = kf.signing_key().unwrap();
    let signed = |payload: &str| {
        let sig = sk.sign(payload.as_bytes()).to_bytes();
        let e = Envelope {
            format: "rolegate-envelope/v1".into(),
            key_id: "k1".into(),
            payload: payload.into(),
            signature: base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(sig),
        };
        serde_json::to_vec(&e).unwrap()
    };
    let compact = serde_json::from_str::<serde_json::Value>(&common::fixture_json()).unwrap().to_string();
    let good = signed(&compact);
    let s = verify_signed(&good, &pk, Some(common::WS), Some(12)).unwrap();
    assert_eq!(s.revision(), 12);
    assert_eq!(s.compile().unwrap().snapshot().revision, 12);
    assert_eq!(verify_signed(&good, &pk, Some(common::WS), Some(13)).err().unwrap().code(), "STALE_REVISION");
    assert_eq!(verify_signed(&good, &pk, Some("other"), None).err().unwrap().code(), "WORKSPACE_MISMATCH");
    // semantically invalid (a role rule on an unknown object), well-shaped and correctly signed:
    // verify refuses it, verify_signed hands it over, and compile refuses it with the same issues
    let mut v: serde_json::Value = serde_json::from_str(&common::fixture_json()).unwrap();
    v["roles"][2]["objectPermissions"].as_array_mut().unwrap().push(serde_json::json!({"object": "nope", "canRead": false}));
    let invalid = v.to_string();
    let bytes = signed(&invalid);
    let EnvelopeError::InvalidSnapshot(by_verify) = verify(&bytes, &pk, None, None).unwrap_err() else {
        panic!("verify must refuse it as invalid")
    };
    let EnvelopeError::InvalidSnapshot(by_compile) = verify_signed(&bytes, &pk, None, None).unwrap().compile().err().unwrap() else {
        panic!("compile must refuse it as invalid")
    };
    assert_eq!(by_verify.issues, by_compile.issues);
    let EnvelopeError::InvalidSnapshot(by_validate) = verify_signed(&bytes, &pk, None, None).unwrap().validate().unwrap_err() else {
        panic!("validate must refuse it")
    };
    assert_eq!(by_validate.issues, by_compile.issues);
    assert!(verify_signed(&good, &pk, None, None).unwrap().validate().is_ok());
    assert!(!by_compile.issues.is_empty());
    // shape errors and bad JSON are refused before anything is compiled
    assert_eq!(verify_signed(&signed(r#"{"format":"rolegate/v1"}"#), &pk, None, None).err().unwrap().code(), "INVALID_SNAPSHOT");
    assert_eq!(verify_signed(&signed("{not json"), &pk, None, None).err().unwrap().code(), "INVALID_SNAPSHOT");
    let mut tampered: Envelope = serde_json::from_slice(&good).unwrap();
    tampered.payload = tampered.payload.replacen("\"revision\":12", "\"revision\":99", 1);
    assert_ne!(tampered.payload, compact);
    assert_eq!(verify_signed(&serde_json::to_vec(&tampered).unwrap(), &pk, None, None).err().unwrap(), EnvelopeError::BadSignature);
}

/// `open` + a host's own verdict (the edge worker verifies with WebCrypto) reads the same
/// snapshot as `verify`, refuses what a false verdict says, and refuses a non-canonical S
/// (S + L: the same signature for a lax verifier) before any verifier runs.
#[test]
fn opened_envelopes_take_the_hosts_verdict_and_refuse_non_canonical_signatures() {
    use base64::Engine;
    use rolegate_gateway::envelope::{open, verify_signed};
    let (kf, pk) = keys();
    let env = sign(&common::fixture_json(), "k1", &kf.signing_key().unwrap()).unwrap();
    let bytes = serde_json::to_vec(&env).unwrap();
    let opened = open(&bytes, &pk).unwrap();
    assert_eq!(opened.key_id(), "k1");
    assert_eq!(opened.signed_bytes(), env.payload.as_bytes());
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    assert_eq!(b64.encode(opened.signature()), env.signature);
    assert_eq!(b64.encode(opened.public_key()), kf.public_key);
    let by_host = opened.after_host_verify(true, Some(common::WS), None).unwrap();
    let by_dalek = verify_signed(&bytes, &pk, Some(common::WS), None).unwrap();
    assert_eq!(by_host.revision(), by_dalek.revision());
    assert_eq!(by_host.compile().unwrap().snapshot(), by_dalek.compile().unwrap().snapshot());
    assert_eq!(open(&bytes, &pk).unwrap().after_host_verify(false, None, None).err().unwrap(), EnvelopeError::BadSignature);

    // S + L (little-endian addition): a lax verifier would accept it as the same signature
    const L: [u8; 32] = [
        0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        0, 0, 0, 0x10,
    ];
    let mut sig = b64.decode(&env.signature).unwrap();
    let mut carry = 0u16;
    for i in 0..32 {
        let v = sig[32 + i] as u16 + L[i] as u16 + carry;
        sig[32 + i] = v as u8;
        carry = v >> 8;
    }
    assert_eq!(carry, 0, "S + L fits in 32 bytes (S < 2^253 - L)");
    let lax = Envelope { signature: b64.encode(&sig), ..env.clone() };
    let lax_bytes = serde_json::to_vec(&lax).unwrap();
    assert_eq!(open(&lax_bytes, &pk).err().unwrap(), EnvelopeError::BadSignature);
    // S = L itself is refused
    let mut at_l = sig.clone();
    at_l[32..].copy_from_slice(&L);
    assert_eq!(
        open(&serde_json::to_vec(&Envelope { signature: b64.encode(&at_l), ..env.clone() }).unwrap(), &pk).err().unwrap(),
        EnvelopeError::BadSignature
    );
    // S = L - 1 passes the encoding check (and then fails verification, as any wrong S)
    let mut edge = sig.clone();
    edge[32..].copy_from_slice(&L);
    edge[32] -= 1;
    let edge_env = Envelope { signature: b64.encode(&edge), ..env };
    let opened = open(&serde_json::to_vec(&edge_env).unwrap(), &pk).unwrap();
    assert_eq!(opened.verify(None, None).err().unwrap(), EnvelopeError::BadSignature);
}

#[test]
fn keys_off_the_curve_are_refused_by_parse_and_kept_by_parse_encoding() {
    // y = 2 is not the y of any point of edwards25519
    let mut y2 = [0u8; 32];
    y2[0] = 2;
    use base64::Engine;
    let json = format!(r#"{{"k1":"{}"}}"#, base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(y2));
    assert!(SnapshotKeys::parse(&json).unwrap_err().contains("k1"));
    // a host with its own Ed25519 checks the point itself; verification here refuses it too
    let off_curve = SnapshotKeys::parse_encoding(&json).unwrap();
    let (kf, _) = keys();
    let env = sign(&common::fixture_json(), "k1", &kf.signing_key().unwrap()).unwrap();
    let bytes = serde_json::to_vec(&env).unwrap();
    assert_eq!(rolegate_gateway::envelope::verify_signed(&bytes, &off_curve, None, None).err().unwrap(), EnvelopeError::BadSignature);
    assert!(SnapshotKeys::parse_encoding(r#"{"k1":"short"}"#).is_err());
}

/// Every point of small order (curve25519-dalek's eight-torsion points), with either sign bit,
/// is refused as a snapshot key, by `parse` and by `parse_encoding` (which the worker uses: its
/// WebCrypto verifier would accept forged signatures for such keys); ordinary keys are not.
#[test]
fn small_order_keys_are_refused() {
    use base64::Engine;
    use rolegate_gateway::envelope::has_small_order;
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let json = |k: &[u8; 32]| format!(r#"{{"k1":"{}"}}"#, b64.encode(k));
    for p in curve25519_dalek::constants::EIGHT_TORSION {
        let enc = p.compress().to_bytes();
        for k in [enc, {
            let mut f = enc;
            f[31] ^= 0x80;
            f
        }] {
            assert!(has_small_order(&k), "{k:02x?}");
            assert!(SnapshotKeys::parse_encoding(&json(&k)).unwrap_err().contains("small-order"), "{k:02x?}");
            assert!(SnapshotKeys::parse(&json(&k)).is_err(), "{k:02x?}");
        }
    }
    // non-canonical encodings of 0 and 1 (y = p, y = p + 1)
    let mut p_plus = [0xffu8; 32];
    p_plus[31] = 0x7f;
    for low in [0xed, 0xee] {
        p_plus[0] = low;
        assert!(has_small_order(&p_plus));
    }
    // an ordinary key, and the y = 2 key that is no point at all, are not on the list
    let (kf, _) = keys();
    let ordinary: [u8; 32] = b64.decode(&kf.public_key).unwrap().try_into().unwrap();
    assert!(!has_small_order(&ordinary));
    let mut y2 = [0u8; 32];
    y2[0] = 2;
    assert!(!has_small_order(&y2));
}

/// A key id given twice (one of the two keys would be dropped, silently) or an empty key id is
/// a configuration error, by `parse` and by `parse_encoding`.
#[test]
fn repeated_or_empty_key_ids_are_refused() {
    let (kf, _) = keys();
    let k = &kf.public_key;
    for (json, why) in [(format!(r#"{{"k1":"{k}","k1":"{k}"}}"#), "duplicate"), (format!(r#"{{"":"{k}"}}"#), "empty key id")] {
        for parsed in [SnapshotKeys::parse_encoding(&json), SnapshotKeys::parse(&json)] {
            let e = parsed.err().unwrap_or_else(|| panic!("{json} accepted"));
            assert!(e.contains("SNAPSHOT_PUBLIC_KEYS") && e.to_lowercase().contains(why), "{json}: {e}");
        }
    }
    assert!(SnapshotKeys::parse_encoding(&format!(r#"{{"k1":"{k}","k2":"{k}"}}"#)).is_ok());
}
