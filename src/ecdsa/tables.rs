//! Comb tables for fast verification.
//!
//! A verifier checks many signatures under very few keys, and all inputs to
//! verification are public, so variable-time code is fine here. ECDSA
//! verification computes `u1·G + u2·Q`. A Lim–Lee comb splits a 528-bit
//! scalar into 8 "teeth" of 66 bits, and precomputes for a point `P` all 255
//! sums `Σ_{k in mask} 2^(66k)·P`. Then `u1·G + u2·Q` costs 66 doublings,
//! shared by both products, plus at most 132 mixed additions. p521's generic
//! path needs about 521 doublings plus its additions.
//!
//! Building a table costs about one generic verification: 462 doublings, 255
//! additions and one batch inversion. So tables are built for a key only from
//! its second use on (see `VerificationKey::verify`), or a slice at a time
//! (`TableBuilder::step`, `VerificationKey::precompute`).
//!
//! Only p521's public group API is used, so the field arithmetic stays
//! RustCrypto's.

use p521::elliptic_curve::Group as _;
use p521::elliptic_curve::PrimeField as _;
use p521::elliptic_curve::group::Curve as _;
use p521::{AffinePoint, FieldBytes, ProjectivePoint, Scalar};

/// Comb teeth: table size 2^TEETH - 1.
const TEETH: usize = 8;
/// Bits per tooth: TEETH · SPACING = 528 ≥ 521.
const SPACING: usize = 66;

/// The 255 comb sums for one point, about 34 KB.
pub struct CombTable {
    /// `points[mask - 1] = Σ_{k in mask} 2^(SPACING·k)·P`.
    points: Vec<AffinePoint>,
}

impl std::fmt::Debug for CombTable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "CombTable({} points)", self.points.len())
    }
}

/// Point operations one batch normalisation is counted as: one inversion
/// (about 520 squarings) plus three multiplications per point, against
/// about 12 multiplications for a point addition or doubling.
const NORMALIZE_COST: u32 = 96;

/// Total point operations of one table build, for progress reports.
pub const BUILD_COST: u32 =
    ((TEETH - 1) * SPACING) as u32 + (1 << TEETH) as u32 - 1 + NORMALIZE_COST;

/// A table built a slice at a time (`TableBuilder::step`), so a cold
/// verifier can spread the cost over several verifications instead of
/// paying it all in one request.
pub struct TableBuilder {
    teeth: Vec<ProjectivePoint>,
    /// The next tooth being doubled towards, and how many doublings it has had.
    tooth: ProjectivePoint,
    doubled: usize,
    sums: Vec<ProjectivePoint>,
}

impl std::fmt::Debug for TableBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "TableBuilder({} teeth, {} sums)",
            self.teeth.len(),
            self.sums.len()
        )
    }
}

impl TableBuilder {
    /// Starts a table for `point`; no work is done yet.
    pub fn new(point: &ProjectivePoint) -> Self {
        TableBuilder {
            teeth: Vec::with_capacity(TEETH),
            tooth: *point,
            doubled: 0,
            sums: Vec::new(),
        }
    }

    /// Does at most about `budget` point operations (more only for the final
    /// normalisation, which cannot be split). Returns the table once done;
    /// `budget` is reduced by the work done.
    pub fn step(&mut self, budget: &mut u32) -> Option<CombTable> {
        // 1. The teeth: 2^(SPACING·k)·P for k < TEETH.
        while self.teeth.len() < TEETH {
            if self.teeth.is_empty() || self.doubled == SPACING {
                self.teeth.push(self.tooth);
                self.doubled = 0;
                continue;
            }
            if *budget == 0 {
                return None;
            }
            self.tooth = self.tooth.double();
            self.doubled += 1;
            *budget -= 1;
        }
        // 2. The sums, each one addition from an earlier sum.
        if self.sums.is_empty() {
            self.sums.reserve_exact(1 << TEETH);
            self.sums.push(ProjectivePoint::IDENTITY);
        }
        while self.sums.len() < 1 << TEETH {
            if *budget == 0 {
                return None;
            }
            let mask = self.sums.len();
            let rest = self
                .sums
                .get(mask & (mask - 1))
                .copied()
                .unwrap_or(ProjectivePoint::IDENTITY);
            let lowest = self
                .teeth
                .get(mask.trailing_zeros() as usize)
                .copied()
                .unwrap_or(ProjectivePoint::IDENTITY);
            self.sums.push(rest + lowest);
            *budget -= 1;
        }
        // 3. One batch normalisation to affine points, for mixed additions.
        if *budget == 0 {
            return None;
        }
        *budget = budget.saturating_sub(NORMALIZE_COST);
        let non_zero = self.sums.get(1..).unwrap_or_default();
        let mut points = vec![AffinePoint::IDENTITY; non_zero.len()];
        ProjectivePoint::batch_normalize(non_zero, &mut points);
        Some(CombTable { points })
    }
}

impl CombTable {
    /// Builds the table for `point` in one go.
    #[cfg(test)]
    pub fn new(point: &ProjectivePoint) -> Self {
        let mut builder = TableBuilder::new(point);
        loop {
            // One step with an unbounded budget finishes; the loop is for form.
            let mut budget = u32::MAX;
            if let Some(table) = builder.step(&mut budget) {
                return table;
            }
        }
    }

    fn get(&self, column: usize) -> Option<&AffinePoint> {
        column
            .checked_sub(1)
            .and_then(|index| self.points.get(index))
    }
}

/// The comb column `j` of a scalar: bit `SPACING·k + j` becomes bit `k`.
fn columns(k: &Scalar) -> [usize; SPACING] {
    let bytes: FieldBytes = k.to_repr();
    let bit = |i: usize| -> usize {
        let byte = bytes
            .len()
            .checked_sub(1 + i / 8)
            .and_then(|index| bytes.get(index))
            .copied()
            .unwrap_or(0);
        usize::from((byte >> (i % 8)) & 1)
    };
    let mut out = [0; SPACING];
    for (j, column) in out.iter_mut().enumerate() {
        *column = (0..TEETH).map(|k| bit(k * SPACING + j) << k).sum();
    }
    out
}

/// `a·A + b·B` for the points behind two tables, in variable time.
pub fn mul_add(
    table_a: &CombTable,
    a: &Scalar,
    table_b: &CombTable,
    b: &Scalar,
) -> ProjectivePoint {
    let (columns_a, columns_b) = (columns(a), columns(b));
    let mut acc = ProjectivePoint::IDENTITY;
    for (&column_a, &column_b) in columns_a.iter().zip(&columns_b).rev() {
        acc = acc.double();
        if let Some(point) = table_a.get(column_a) {
            acc += point;
        }
        if let Some(point) = table_b.get(column_b) {
            acc += point;
        }
    }
    acc
}

#[cfg(test)]
mod tests {
    use super::*;
    use p521::elliptic_curve::ops::Reduce as _;

    fn scalars() -> Vec<Scalar> {
        let mut state = 0x5eed_u64;
        let mut random = || {
            let mut bytes = FieldBytes::default();
            for byte in bytes.iter_mut() {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                *byte = state as u8;
            }
            Scalar::reduce(&bytes)
        };
        let mut top_bit = FieldBytes::default();
        top_bit[0] = 1; // 2^520, the highest bit a scalar can have
        let mut list = vec![
            Scalar::ZERO,
            Scalar::ONE,
            -Scalar::ONE,
            Scalar::reduce(&top_bit),
        ];
        list.extend((0..20).map(|_| random()));
        list
    }

    #[test]
    fn combines_two_products_like_the_generic_path() {
        let g = ProjectivePoint::GENERATOR;
        let q = g * Scalar::from(123_456_789u64);
        let (table_g, table_q) = (CombTable::new(&g), CombTable::new(&q));
        for (a, b) in scalars().iter().zip(scalars().iter().rev()) {
            assert_eq!(
                mul_add(&table_g, a, &table_q, b).to_affine(),
                (g * a + q * b).to_affine()
            );
        }
    }

    #[test]
    fn a_table_built_in_slices_equals_one_built_at_once() {
        let q = ProjectivePoint::GENERATOR * Scalar::from(987_654_321u64);
        let whole = CombTable::new(&q);
        for slice in [1_u32, 7, 64, 97, BUILD_COST - 1] {
            let mut builder = TableBuilder::new(&q);
            let (mut steps, mut work) = (0_u32, 0_u32);
            let table = loop {
                steps += 1;
                let mut budget = slice;
                let done = builder.step(&mut budget);
                work += slice - budget;
                if let Some(table) = done {
                    break table;
                }
                assert_eq!(
                    budget, 0,
                    "a step that does not finish uses its whole budget"
                );
                assert!(steps <= BUILD_COST, "no progress with slice {slice}");
            };
            assert_eq!(table.points, whole.points, "slice {slice}");
            assert!(
                work >= BUILD_COST - NORMALIZE_COST && work <= BUILD_COST + slice,
                "slice {slice}: {work} operations"
            );
        }
    }
}
