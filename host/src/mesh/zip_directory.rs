//! The entry count a zip archive declares, read from its end-of-central-directory record (and the zip64 record
//! when the classic one overflows) before the `zip` crate parses the directory and allocates per entry.

const EOCD: [u8; 4] = *b"PK\x05\x06";
const ZIP64_LOCATOR: [u8; 4] = *b"PK\x06\x07";
const ZIP64_EOCD: [u8; 4] = *b"PK\x06\x06";
/// The record without its comment, and the longest comment a record can have.
const EOCD_LEN: usize = 22;
const MAX_COMMENT: usize = u16::MAX as usize;
/// A central directory record is at least this long, so no archive holds more than its length / 46 entries.
const MIN_RECORD: u64 = 46;

/// How many entries `data` declares, or None when it has no end-of-central-directory record (the `zip` crate
/// then refuses it as malformed). Never more than could fit in the archive's bytes.
pub(super) fn declared_entries(data: &[u8]) -> Option<u64> {
    let earliest = data.len().saturating_sub(EOCD_LEN + MAX_COMMENT);
    let end = data.len().checked_sub(EOCD_LEN)?;
    let at = (earliest..=end).rev().find(|&i| data[i..i + 4] == EOCD)?;
    let u16_at = |o: usize| u64::from(u16::from_le_bytes([data[at + o], data[at + o + 1]]));
    let u32_at =
        |o: usize| u64::from(u32::from_le_bytes([data[at + o], data[at + o + 1], data[at + o + 2], data[at + o + 3]]));
    let mut entries = u16_at(8).max(u16_at(10));
    // 0xFFFF is the marker of a zip64 archive, whose real count is in the zip64 record.
    if entries == 0xFFFF || u32_at(12) == 0xFFFF_FFFF {
        entries = zip64_entries(data, at).unwrap_or(entries);
    }
    Some(entries.min(data.len() as u64 / MIN_RECORD))
}

/// The total entries of the zip64 end-of-central-directory record the locator before `eocd` points to.
fn zip64_entries(data: &[u8], eocd: usize) -> Option<u64> {
    let locator = data.get(eocd.checked_sub(20)?..eocd)?;
    if locator[..4] != ZIP64_LOCATOR {
        return None;
    }
    let offset = usize::try_from(u64::from_le_bytes(locator[8..16].try_into().ok()?)).ok()?;
    let record = data.get(offset..offset.checked_add(56)?)?;
    if record[..4] != ZIP64_EOCD {
        return None;
    }
    let on_disk = u64::from_le_bytes(record[24..32].try_into().ok()?);
    let total = u64::from_le_bytes(record[32..40].try_into().ok()?);
    Some(on_disk.max(total))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eocd(entries: u16, comment: &[u8]) -> Vec<u8> {
        let mut record = EOCD.to_vec();
        record.extend_from_slice(&[0, 0, 0, 0]);
        record.extend_from_slice(&entries.to_le_bytes());
        record.extend_from_slice(&entries.to_le_bytes());
        record.extend_from_slice(&[0; 8]);
        record.extend_from_slice(&(comment.len() as u16).to_le_bytes());
        record.extend_from_slice(comment);
        record
    }

    #[test]
    fn the_count_comes_from_the_last_record_and_is_bounded_by_the_archives_size() {
        let mut data = vec![0u8; 46 * 100];
        data.extend(eocd(60, b"a comment"));
        assert_eq!(declared_entries(&data), Some(60));
        // A record that claims more entries than the bytes could hold is held to what fits.
        let mut lying = vec![0u8; 46 * 10];
        lying.extend(eocd(60_000, b""));
        assert_eq!(declared_entries(&lying), Some(10));
        assert_eq!(declared_entries(b"PK\x03\x04 not an archive"), None);
        assert_eq!(declared_entries(&[]), None);
    }

    #[test]
    fn zip64_counts_are_read_when_the_classic_record_overflows() {
        let mut data = vec![0u8; 46 * 80_000];
        let offset = data.len() as u64;
        let mut record = ZIP64_EOCD.to_vec();
        record.extend_from_slice(&[0; 20]);
        record.extend_from_slice(&70_000u64.to_le_bytes());
        record.extend_from_slice(&70_000u64.to_le_bytes());
        record.extend_from_slice(&[0; 16]);
        data.extend(record);
        let mut locator = ZIP64_LOCATOR.to_vec();
        locator.extend_from_slice(&[0; 4]);
        locator.extend_from_slice(&offset.to_le_bytes());
        locator.extend_from_slice(&[0; 4]);
        data.extend(locator);
        data.extend(eocd(0xFFFF, b""));
        assert_eq!(declared_entries(&data), Some(70_000));
        let zip = {
            let mut z = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
            z.start_file("a.txt", zip::write::SimpleFileOptions::default()).unwrap();
            z.finish().unwrap().into_inner()
        };
        assert_eq!(declared_entries(&zip), Some(1));
    }
}
