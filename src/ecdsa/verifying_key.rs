//! The public key side: a validated P-521 key and ECDSA verification, on
//! p521's generic path for a key's first use and through comb tables
//! (`tables.rs`) after.

use super::FIELD_LEN;
use super::encoding::EcdsaSignature;
use super::tables::{self, CombTable, TableBuilder};
use crate::error::{Error, ErrorCode, Result};
use p521::ecdsa::VerifyingKey;
use p521::ecdsa::signature::Verifier as _;
use p521::elliptic_curve::ops::{LinearCombination as _, Reduce as _};
use p521::elliptic_curve::point::AffineCoordinates as _;
use p521::{FieldBytes, ProjectivePoint, Scalar};
use sha2::{Digest as _, Sha512};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Mutex, OnceLock};

/// Verifications with a key before its table is built. The first one runs
/// p521's generic path, so a cold start pays no table cost; a key used again
/// is likely to be used many times.
const TABLE_AFTER_USES: u32 = 1;

/// The generator's table, shared by all keys, built on first need.
static GENERATOR_TABLE: OnceLock<CombTable> = OnceLock::new();
/// A generator table being built a slice at a time (see `precompute`).
static GENERATOR_BUILDER: Mutex<Option<TableBuilder>> = Mutex::new(None);

/// Point operations to build the generator's and one key's table, the work
/// `VerificationKey::precompute` spreads out.
pub const PRECOMPUTE_COST: u32 = 2 * tables::BUILD_COST;

/// Advances `builder` (started from `point` if need be) by `budget` point
/// operations and stores the table in `slot` once complete.
fn build_slice(
    slot: &OnceLock<CombTable>,
    builder: &Mutex<Option<TableBuilder>>,
    point: impl FnOnce() -> ProjectivePoint,
    budget: &mut u32,
) {
    if slot.get().is_some() || *budget == 0 {
        return;
    }
    // A poisoned lock only means an earlier slice stopped half-way: start over.
    let mut guard = builder.lock().unwrap_or_else(|poisoned| {
        builder.clear_poison();
        let mut guard = poisoned.into_inner();
        *guard = None;
        guard
    });
    let state = guard.get_or_insert_with(|| TableBuilder::new(&point()));
    if let Some(table) = state.step(budget) {
        let _ = slot.set(table);
        *guard = None;
    }
}

/// The arithmetic behind a verification (see `VerificationKey::verify_on`).
#[cfg(feature = "testing")]
#[doc(hidden)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VerifyPath {
    /// p521's own verification.
    Generic,
    /// A plain two-point multiplication, as on a key's first use.
    WithoutTables,
    /// The comb tables, built first if need be.
    Tables,
}

/// A validated P-521 public key, decoded once and reused for every
/// verification. Once its comb tables (`tables.rs`) are built, it verifies
/// about three times as fast as the generic path. `verify` builds them at the
/// key's second use; a caller that can verify elsewhere meanwhile (the JS
/// boundary, with WebCrypto) builds them in slices with `precompute`.
pub struct VerificationKey {
    key: VerifyingKey,
    uses: AtomicU32,
    table: OnceLock<CombTable>,
    builder: Mutex<Option<TableBuilder>>,
}

impl Clone for VerificationKey {
    fn clone(&self) -> Self {
        VerificationKey::from_verifying_key(self.key)
    }
}

impl PartialEq for VerificationKey {
    fn eq(&self, other: &Self) -> bool {
        self.key == other.key
    }
}

impl Eq for VerificationKey {}

impl std::fmt::Debug for VerificationKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("VerificationKey(P-521)")
    }
}

impl VerificationKey {
    /// Builds a key from its affine coordinates (66 bytes each, big-endian),
    /// rejecting points that are not on the curve or are the identity.
    pub fn from_coordinates(x: &[u8], y: &[u8]) -> Result<Self> {
        if x.len() != FIELD_LEN || y.len() != FIELD_LEN {
            return Err(Error::new(
                ErrorCode::KeyInvalid,
                "P-521 coordinates must be 66 bytes each",
            ));
        }
        let mut sec1 = Vec::with_capacity(1 + 2 * FIELD_LEN);
        sec1.push(0x04);
        sec1.extend_from_slice(x);
        sec1.extend_from_slice(y);
        Self::from_sec1(&sec1)
    }

    /// Builds a key from a SEC1 encoded point (compressed or not).
    pub fn from_sec1(bytes: &[u8]) -> Result<Self> {
        let key = VerifyingKey::from_sec1_bytes(bytes).map_err(|_| {
            Error::new(
                ErrorCode::KeyInvalid,
                "the public key is not a valid P-521 point",
            )
        })?;
        Ok(Self::from_verifying_key(key))
    }

    pub(super) fn from_verifying_key(key: VerifyingKey) -> Self {
        VerificationKey {
            key,
            uses: AtomicU32::new(0),
            table: OnceLock::new(),
            builder: Mutex::new(None),
        }
    }

    /// Whether [`verify`](Self::verify) runs at full speed: the generator's
    /// table and this key's are built.
    pub fn is_precomputed(&self) -> bool {
        self.table.get().is_some() && GENERATOR_TABLE.get().is_some()
    }

    /// Does about `budget` point operations (of [`PRECOMPUTE_COST`] in
    /// all) towards the tables, and says whether they are complete. A
    /// caller that verifies the key's first signatures elsewhere (with
    /// WebCrypto, say) calls this after each one, so no single request pays
    /// for a whole table while the code is still cold.
    pub fn precompute(&self, budget: u32) -> bool {
        let mut budget = budget;
        build_slice(
            &GENERATOR_TABLE,
            &GENERATOR_BUILDER,
            || ProjectivePoint::GENERATOR,
            &mut budget,
        );
        build_slice(
            &self.table,
            &self.builder,
            || ProjectivePoint::from(*self.key.as_affine()),
            &mut budget,
        );
        self.is_precomputed()
    }

    /// Whether `signature` is valid for `message` (hashed with SHA-512).
    pub fn verify(&self, message: &[u8], signature: &EcdsaSignature) -> bool {
        let early_use = self.uses.fetch_add(1, Ordering::Relaxed) < TABLE_AFTER_USES;
        if early_use && !self.is_precomputed() {
            return self.verify_without_tables(message, signature);
        }
        self.precompute(u32::MAX);
        match (GENERATOR_TABLE.get(), self.table.get()) {
            (Some(generator), Some(key)) => verify_with_tables(generator, key, message, signature),
            _ => self.verify_without_tables(message, signature),
        }
    }

    /// A plain two-point multiplication, for a key's first use. Unlike p521's
    /// `verify`, it does not build p521's lazily computed basepoint table,
    /// which would cost a cold start several verifications' worth of time.
    fn verify_without_tables(&self, message: &[u8], signature: &EcdsaSignature) -> bool {
        let q = ProjectivePoint::from(*self.key.as_affine());
        ecdsa_verify(message, signature, |u1, u2| {
            let sum =
                ProjectivePoint::lincomb_vartime(&[(ProjectivePoint::GENERATOR, *u1), (q, *u2)])
                    .to_affine();
            (!bool::from(sum.is_identity())).then(|| sum.x())
        })
    }

    /// p521's own verification, the reference the other paths are tested against.
    pub fn verify_generic(&self, message: &[u8], signature: &EcdsaSignature) -> bool {
        self.key.verify(message, &signature.signature).is_ok()
    }

    /// Verifies along the chosen `path`, for tests that run every path over
    /// the same vectors (`tests/ecdsa.rs`).
    #[cfg(feature = "testing")]
    #[doc(hidden)]
    pub fn verify_on(&self, path: VerifyPath, message: &[u8], signature: &EcdsaSignature) -> bool {
        match path {
            VerifyPath::Generic => self.verify_generic(message, signature),
            VerifyPath::WithoutTables => self.verify_without_tables(message, signature),
            VerifyPath::Tables => {
                self.precompute(u32::MAX);
                match (GENERATOR_TABLE.get(), self.table.get()) {
                    (Some(generator), Some(key)) => {
                        verify_with_tables(generator, key, message, signature)
                    }
                    _ => false,
                }
            }
        }
    }

    /// The uncompressed SEC1 encoding (`04 ‖ x ‖ y`).
    pub fn to_sec1(&self) -> Vec<u8> {
        self.key.to_sec1_point(false).as_bytes().to_vec()
    }

    /// The affine coordinates `(x, y)`, 66 bytes each, big-endian: a JWK's
    /// `x` and `y` before base64url.
    pub fn coordinates(&self) -> (Vec<u8>, Vec<u8>) {
        let sec1 = self.to_sec1();
        let (x, y) = sec1
            .get(1..)
            .unwrap_or_default()
            .split_at_checked(FIELD_LEN)
            .unwrap_or_default();
        (x.to_vec(), y.to_vec())
    }
}

/// ECDSA verification (SEC 1 §4.1.4); `x_of(u1, u2)` is the affine
/// x-coordinate of `u1·G + u2·Q`, `None` for the identity.
fn ecdsa_verify(
    message: &[u8],
    signature: &EcdsaSignature,
    x_of: impl FnOnce(&Scalar, &Scalar) -> Option<FieldBytes>,
) -> bool {
    let (r, s) = signature.signature.split_scalars();
    // A SHA-512 digest (512 bits) is shorter than n (521 bits): no truncation.
    let mut digest = FieldBytes::default();
    let hash = Sha512::digest(message);
    let offset = digest.len() - hash.len();
    if let Some(tail) = digest.get_mut(offset..) {
        tail.copy_from_slice(&hash);
    }
    let z = Scalar::reduce(&digest);
    // s is public: variable time is safe, and several times faster.
    let Some(s_inv) = Option::<Scalar>::from(s.invert_vartime()) else {
        return false;
    };
    let Some(x) = x_of(&(z * s_inv), &(*r * s_inv)) else {
        return false;
    };
    Scalar::reduce(&x) == *r
}

/// `u1·G + u2·Q` through comb tables.
fn verify_with_tables(
    generator: &CombTable,
    key: &CombTable,
    message: &[u8],
    signature: &EcdsaSignature,
) -> bool {
    ecdsa_verify(message, signature, |u1, u2| {
        tables::mul_add(generator, u1, key, u2).affine_x()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_keys_off_the_curve_or_of_the_wrong_size() {
        let x = [0u8; FIELD_LEN];
        assert_eq!(
            VerificationKey::from_coordinates(&x, &x)
                .unwrap_err()
                .code(),
            ErrorCode::KeyInvalid
        );
        assert_eq!(
            VerificationKey::from_coordinates(&x[1..], &x)
                .unwrap_err()
                .code(),
            ErrorCode::KeyInvalid
        );
    }

    #[test]
    fn debug_does_not_print_key_material() {
        let key = VerificationKey::from_sec1(&hex::decode(WYCHEPROOF_KEY).unwrap()).unwrap();
        assert_eq!(format!("{key:?}"), "VerificationKey(P-521)");
    }

    const WYCHEPROOF_KEY: &str = "04012a908bfc5b70e17bdfae74294994808bf2a42dab59af8b0523a026d640a2a3d6d344520b62177e2cfa339ca42fb0883ec425904fbda2833a3b5b0a9a00811365d8012333d532f8f8eb1a623c378a3694651192bbda833e3b8d7b8f90b2bfc9b045f8a55e1b6a5fe1512c400c4bc9c86fd7c699d642f5cee9bb827c8b0abc0da01cef1e";
}
