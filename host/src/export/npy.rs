//! NumPy `.npy` files (format version 1.0), written by hand: a 3x4 float32 matrix needs no crate.
//!
//! The layout: the magic `\x93NUMPY`, version bytes 1 and 0, a little-endian u16 header length, then a Python
//! dict literal padded with spaces and ended by `\n` so that the data starts at a multiple of 64 bytes (what
//! `numpy.save` does), then the values in C order.

/// The bytes of an `.npy` file holding `rows` as a C-order little-endian float32 array of shape (R, C).
pub fn write_npy_f32<const C: usize>(rows: &[[f32; C]]) -> Vec<u8> {
    let mut header = format!("{{'descr': '<f4', 'fortran_order': False, 'shape': ({}, {C}), }}", rows.len());
    // magic (6) + version (2) + length (2) + header, then the newline.
    let unpadded = 10 + header.len() + 1;
    header.push_str(&" ".repeat(unpadded.next_multiple_of(64) - unpadded));
    header.push('\n');
    let mut out = Vec::with_capacity(10 + header.len() + rows.len() * C * 4);
    out.extend_from_slice(b"\x93NUMPY\x01\x00");
    // The header is a few dozen bytes, far below u16::MAX.
    out.extend_from_slice(&(header.len() as u16).to_le_bytes());
    out.extend_from_slice(header.as_bytes());
    for row in rows {
        for value in row {
            out.extend_from_slice(&value.to_le_bytes());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_header_is_aligned_and_the_values_follow_in_c_order() {
        let bytes = write_npy_f32(&[[1.0, 2.0, 3.0, 4.0], [5.0, 6.0, 7.0, 8.0], [9.0, 10.0, 11.0, -1.5]]);
        assert_eq!(&bytes[..8], b"\x93NUMPY\x01\x00");
        let header_len = u16::from_le_bytes([bytes[8], bytes[9]]) as usize;
        assert_eq!((10 + header_len) % 64, 0);
        let header = std::str::from_utf8(&bytes[10..10 + header_len]).unwrap();
        assert!(header.starts_with("{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }"), "{header}");
        assert!(header.ends_with('\n'));
        let data = &bytes[10 + header_len..];
        assert_eq!(data.len(), 48);
        assert_eq!(f32::from_le_bytes(data[4..8].try_into().unwrap()), 2.0);
        assert_eq!(f32::from_le_bytes(data[44..48].try_into().unwrap()), -1.5);
    }
}
