//! Pseudonymized customer ids: a keyed hash (HMAC-SHA-256 with a secret salt), so a plan can go
//! to an agency without real ids, and whoever holds the salt can map the rows back.

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// "p_" and the first 16 bytes of HMAC-SHA-256(salt, id), in hex.
pub fn pseudonym(salt: &str, id: &str) -> String {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(salt.as_bytes()).expect("HMAC takes any key length");
    mac.update(id.as_bytes());
    let bytes = mac.finalize().into_bytes();
    let mut s = String::with_capacity(34);
    s.push_str("p_");
    for b in &bytes[..16] {
        s.push_str(&format!("{b:02x}"));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stable_keyed_and_distinct() {
        assert_eq!(pseudonym("s", "C1"), pseudonym("s", "C1"));
        assert_ne!(pseudonym("s", "C1"), pseudonym("t", "C1"));
        assert_ne!(pseudonym("s", "C1"), pseudonym("s", "C2"));
        assert_eq!(pseudonym("s", "C1").len(), 34);
    }
}
