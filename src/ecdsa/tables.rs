//! Comb tables for fast verification.
//!
//! A verifier checks many signatures under very few keys, and all inputs to
//! verification are public, so variable-time code is fine here. ECDSA
//! verification computes `u1·G + u2·Q`. A Lim–Lee comb splits a 530-bit
//! scalar into 10 "teeth" of 53 bits, and precomputes for a point `P` all
//! 1,023 sums `Σ_{k in mask} 2^(53k)·P`. Then `u1·G + u2·Q` costs 53
//! doublings, shared by both products, plus at most 106 mixed additions.
//! p521's generic path needs about 521 doublings plus its additions. (8 teeth
//! of 66 bits: 66 + 132, half the table; 10 teeth were 15–20 % faster warm
//! in workerd, for about 160 KB per table.)
//!
//! Building a table costs about two generic verifications: 477 doublings,
//! 1,023 additions and one batch inversion. So tables are built for a key
//! only from its second use on (see `VerificationKey::verify`), or a slice
//! at a time (`TableBuilder::step`, `VerificationKey::precompute`).
//!
//! The tables are built with p521's group API. The sum `u1·G + u2·Q` is
//! accumulated here, with p521's field arithmetic and the same complete
//! formulas as p521's points (Renes–Costello–Batina 2015, a = −3), so its
//! affine x-coordinate can be had with a variable-time inversion: p521's
//! `to_affine` inverts in constant time, about a tenth of a verification,
//! and every input here is public.

use p521::elliptic_curve::Group as _;
use p521::elliptic_curve::PrimeField as _;
use p521::elliptic_curve::group::Curve as _;
use p521::elliptic_curve::hazmat::FieldArithmetic;
use p521::elliptic_curve::point::AffineCoordinates as _;
use p521::{AffinePoint, FieldBytes, NistP521, ProjectivePoint, Scalar};
use primeorder::PrimeCurveParams as _;

/// p521's field element (its module is private; its curve parameters name it).
type Fe = <NistP521 as FieldArithmetic>::FieldElement;

/// Comb teeth: table size 2^TEETH - 1.
const TEETH: usize = 10;
/// Bits per tooth: TEETH · SPACING = 530 ≥ 521.
const SPACING: usize = 53;

/// The 1,023 comb sums for one point, about 160 KB.
pub struct CombTable {
    /// `points[mask - 1] = Σ_{k in mask} 2^(SPACING·k)·P`, affine `(x, y)`;
    /// `None` for the identity (which a point of prime order never sums to).
    points: Vec<Option<(Fe, Fe)>>,
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
        let coordinates = |point: &AffinePoint| -> Option<(Fe, Fe)> {
            if bool::from(point.is_identity()) {
                return None;
            }
            let x = Option::<Fe>::from(Fe::from_repr(point.x()))?;
            let y = Option::<Fe>::from(Fe::from_repr(point.y()))?;
            Some((x, y))
        };
        Some(CombTable {
            points: points.iter().map(coordinates).collect(),
        })
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

    fn get(&self, column: usize) -> Option<&(Fe, Fe)> {
        column
            .checked_sub(1)
            .and_then(|index| self.points.get(index))
            .and_then(Option::as_ref)
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

/// A point in homogeneous projective coordinates `(X : Y : Z)`, affine
/// `(X/Z, Y/Z)`; `Z = 0` is the identity.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Point {
    x: Fe,
    y: Fe,
    z: Fe,
}

impl Point {
    const IDENTITY: Point = Point {
        x: Fe::ZERO,
        y: Fe::ONE,
        z: Fe::ZERO,
    };

    /// `2·self`: Renes–Costello–Batina 2015, Algorithm 6 (a = −3), as p521's
    /// `ProjectivePoint::double` (primeorder's `EquationAIsMinusThree`).
    fn double(&self) -> Point {
        let b = NistP521::EQUATION_B;
        let xx = self.x.square();
        let yy = self.y.square();
        let zz = self.z.square();
        let xy2 = (self.x * self.y).double();
        let xz2 = (self.x * self.z).double();
        let bzz_part = (b * zz) - xz2;
        let bzz3_part = bzz_part.double() + bzz_part;
        let yy_m_bzz3 = yy - bzz3_part;
        let yy_p_bzz3 = yy + bzz3_part;
        let y_frag = yy_p_bzz3 * yy_m_bzz3;
        let x_frag = yy_m_bzz3 * xy2;
        let zz3 = zz.double() + zz;
        let bxz2_part = (b * xz2) - (zz3 + xx);
        let bxz6_part = bxz2_part.double() + bxz2_part;
        let xx3_m_zz3 = xx.double() + xx - zz3;
        let y = y_frag + (xx3_m_zz3 * bxz6_part);
        let yz2 = (self.y * self.z).double();
        let x = x_frag - (bxz6_part * yz2);
        let z = (yz2 * yy).double().double();
        Point { x, y, z }
    }

    /// `self + (x, y)` for an affine point that is not the identity:
    /// Renes–Costello–Batina 2015, Algorithm 5 (a = −3), as p521's mixed
    /// addition. Complete: `self` may be the identity or `±(x, y)`.
    fn add_affine(&self, &(x2, y2): &(Fe, Fe)) -> Point {
        let b = NistP521::EQUATION_B;
        let xx = self.x * x2;
        let yy = self.y * y2;
        let xy_pairs = ((self.x + self.y) * (x2 + y2)) - (xx + yy);
        let yz_pairs = (y2 * self.z) + self.y;
        let xz_pairs = (x2 * self.z) + self.x;
        let bz_part = xz_pairs - (b * self.z);
        let bz3_part = bz_part.double() + bz_part;
        let yy_m_bzz3 = yy - bz3_part;
        let yy_p_bzz3 = yy + bz3_part;
        let z3 = self.z.double() + self.z;
        let bxz_part = (b * xz_pairs) - (z3 + xx);
        let bxz3_part = bxz_part.double() + bxz_part;
        let xx3_m_zz3 = xx.double() + xx - z3;
        Point {
            x: (yy_p_bzz3 * xy_pairs) - (yz_pairs * bxz3_part),
            y: (yy_p_bzz3 * yy_m_bzz3) + (xx3_m_zz3 * bxz3_part),
            z: (yy_m_bzz3 * yz_pairs) + (xy_pairs * xx3_m_zz3),
        }
    }

    /// The affine x-coordinate, `None` for the identity; the inversion is
    /// variable time (the point is public).
    pub fn affine_x(&self) -> Option<FieldBytes> {
        let z_inv = Option::<Fe>::from(self.z.invert_vartime())?;
        Some((self.x * z_inv).to_repr())
    }
}

/// `a·A + b·B` for the points behind two tables, in variable time.
pub fn mul_add(table_a: &CombTable, a: &Scalar, table_b: &CombTable, b: &Scalar) -> Point {
    let (columns_a, columns_b) = (columns(a), columns(b));
    let mut acc = Point::IDENTITY;
    for (&column_a, &column_b) in columns_a.iter().zip(&columns_b).rev() {
        acc = acc.double();
        if let Some(point) = table_a.get(column_a) {
            acc = acc.add_affine(point);
        }
        if let Some(point) = table_b.get(column_b) {
            acc = acc.add_affine(point);
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
            let expected = (g * a + q * b).to_affine();
            let expected = (!bool::from(expected.is_identity())).then(|| expected.x());
            assert_eq!(mul_add(&table_g, a, &table_q, b).affine_x(), expected);
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
