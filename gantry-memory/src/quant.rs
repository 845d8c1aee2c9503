//! Scalar (int8) quantisation of unit vectors, for the HNSW graph walk.
//!
//! The graph is walked on one byte per dimension instead of four, so each hop reads a
//! quarter of the memory; the candidates it finds are then re-scored exactly on the f32
//! vectors, so quantisation costs almost no recall. Each vector is scaled so its largest
//! component maps to 127, and that scale rides along in four trailing bytes.

use hnsw_rs::anndists::dist::Distance;

/// The int8 code of a vector: its components, then its scale as four bytes.
pub(crate) fn quantise(vector: &[f32]) -> Vec<i8> {
    let largest = vector.iter().fold(0.0f32, |m, x| m.max(x.abs()));
    let scale = if largest > 0.0 { largest / 127.0 } else { 1.0 };
    let mut code: Vec<i8> = Vec::with_capacity(vector.len() + 4);
    code.extend(
        vector
            .iter()
            .map(|x| (x / scale).round().clamp(-127.0, 127.0) as i8),
    );
    code.extend(scale.to_le_bytes().map(|b| b as i8));
    code
}

/// A code's components and scale.
fn split(code: &[i8]) -> (&[i8], f32) {
    let n = code.len().saturating_sub(4);
    let (components, scale) = code.split_at(n);
    let bytes: [u8; 4] = match scale {
        [a, b, c, d] => [*a as u8, *b as u8, *c as u8, *d as u8],
        _ => [0; 4],
    };
    (components, f32::from_le_bytes(bytes))
}

/// The integer dot product (with AVX2 when the CPU has it, like [`crate::dot`]).
pub(crate) fn dot_i8(a: &[i8], b: &[i8]) -> i32 {
    #[cfg(target_arch = "x86_64")]
    if crate::vector::wide::available() {
        return crate::vector::wide::dot_i8(a, b);
    }
    dot_i8_lanes(a, b)
}

/// The integer dot product as a plain widening multiply-add, a shape the compiler turns
/// into `pmaddwd` (16-bit multiplies summed in pairs into 32 bits).
#[inline(always)]
pub(crate) fn dot_i8_lanes(a: &[i8], b: &[i8]) -> i32 {
    a.iter()
        .zip(b)
        .map(|(x, y)| i32::from(i16::from(*x) * i16::from(*y)))
        .sum()
}

/// Cosine distance between quantised unit vectors, `1 - dot`, clamped at 0.
#[derive(Clone, Copy, Debug, Default)]
pub struct QuantisedCosine;

impl Distance<i8> for QuantisedCosine {
    fn eval(&self, a: &[i8], b: &[i8]) -> f32 {
        let (a, scale_a) = split(a);
        let (b, scale_b) = split(b);
        (1.0 - dot_i8(a, b) as f32 * scale_a * scale_b).max(0.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vector::{dot, normalise};

    #[test]
    fn quantised_distance_tracks_the_exact_one() {
        let mut seed = 7u64;
        let mut next = || {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((seed >> 33) as f32 / (1u64 << 31) as f32) - 0.5
        };
        for _ in 0..200 {
            let a = normalise(&(0..384).map(|_| next()).collect::<Vec<_>>(), 384).unwrap();
            let b = normalise(&(0..384).map(|_| next()).collect::<Vec<_>>(), 384).unwrap();
            let exact = 1.0 - dot(&a, &b);
            let approx = QuantisedCosine.eval(&quantise(&a), &quantise(&b));
            assert!((exact - approx).abs() < 0.01, "{exact} vs {approx}");
            assert!(QuantisedCosine.eval(&quantise(&a), &quantise(&a)) < 0.01);
        }
    }

    #[test]
    fn the_integer_kernels_agree() {
        let a: Vec<i8> = (0..389).map(|i| ((i * 37) % 255 - 127) as i8).collect();
        let b: Vec<i8> = (0..389).map(|i| ((i * 91) % 255 - 127) as i8).collect();
        let naive: i32 = a
            .iter()
            .zip(&b)
            .map(|(x, y)| i32::from(*x) * i32::from(*y))
            .sum();
        assert_eq!(dot_i8_lanes(&a, &b), naive);
        assert_eq!(dot_i8(&a, &b), naive);
    }

    #[test]
    fn a_zero_vector_quantises_without_dividing_by_zero() {
        let code = quantise(&[0.0; 8]);
        assert_eq!(QuantisedCosine.eval(&code, &code), 1.0);
    }
}
