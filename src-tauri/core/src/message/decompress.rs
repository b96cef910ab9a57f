//! Capped decompression of stored message bodies (zlib, zstd, LZ4), so that a small compressed
//! body from any producer cannot expand into gigabytes inside the console (a "decompression
//! bomb"). Bodies are decompressed only when needed: shown, matched by a body filter, exported.
//!
//! The compression type sits in bits 8–10 of the message's sys flag (`MessageSysFlag`): 1 = LZ4,
//! 2 = zstd, 0 or 3 = zlib. Java producers write LZ4 in the frame format; the rocketmq-rust client
//! writes an LZ4 block with its size prepended: both are read.

use std::borrow::Cow;
use std::io::Read;

/// The largest body a compressed message may expand to: four times the brokers' default maximum
/// message size.
pub const MAX_DECOMPRESSED: usize = 16 * 1024 * 1024;

const COMPRESSED_FLAG: i32 = 1;
const LZ4_FRAME_MAGIC: [u8; 4] = [0x04, 0x22, 0x4d, 0x18];

/// Whether the sys flag says the body is compressed.
pub fn is_compressed(sys_flag: i32) -> bool {
    sys_flag & COMPRESSED_FLAG != 0
}

/// The body of a message with `sys_flag`, decompressed if it is compressed (borrowed as it is
/// otherwise), expanding to at most `cap` bytes; why not otherwise.
pub fn body(sys_flag: i32, raw: &[u8], cap: usize) -> Result<Cow<'_, [u8]>, String> {
    if !is_compressed(sys_flag) {
        return Ok(Cow::Borrowed(raw));
    }
    let out = match (sys_flag & 0x700) >> 8 {
        1 => lz4(raw, cap),
        2 => read_capped(zstd_decoder(raw)?, cap, "zstd"),
        0 | 3 => read_capped(flate2::read::ZlibDecoder::new(raw), cap, "zlib"),
        other => Err(format!("unknown compression type {other} in the sys flag")),
    }?;
    Ok(Cow::Owned(out))
}

/// A zstd decoder whose window is capped too: a forged frame header cannot make it reserve more
/// than 16 MiB (the default limit is 128 MiB).
fn zstd_decoder(raw: &[u8]) -> Result<impl Read + '_, String> {
    let mut d = zstd::stream::read::Decoder::new(raw).map_err(|e| format!("zstd: {e}"))?;
    d.window_log_max(24).map_err(|e| format!("zstd: {e}"))?;
    Ok(d)
}

/// Reads `reader` to its end, refusing more than `cap` bytes.
fn read_capped(reader: impl Read, cap: usize, what: &str) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    let limit = u64::try_from(cap).unwrap_or(u64::MAX).saturating_add(1);
    reader
        .take(limit)
        .read_to_end(&mut out)
        .map_err(|e| format!("{what} body cannot be decompressed: {e}"))?;
    if out.len() > cap {
        return Err(too_large(what, cap));
    }
    Ok(out)
}

fn too_large(what: &str, cap: usize) -> String {
    format!(
        "{what} body expands past {} MiB: not decompressed (shown as stored)",
        cap / (1024 * 1024)
    )
}

fn lz4(raw: &[u8], cap: usize) -> Result<Vec<u8>, String> {
    if raw.starts_with(&LZ4_FRAME_MAGIC) {
        return read_capped(lz4_flex::frame::FrameDecoder::new(raw), cap, "LZ4");
    }
    // A block with its decompressed size prepended (little-endian u32): refuse the size first, so
    // a forged prefix never makes us allocate it.
    let Some(size) = raw.get(..4) else {
        return Err("LZ4 body shorter than its size prefix".to_owned());
    };
    let size = u32::from_le_bytes([size[0], size[1], size[2], size[3]]);
    let size = usize::try_from(size).unwrap_or(usize::MAX);
    if size > cap {
        return Err(too_large("LZ4", cap));
    }
    lz4_flex::block::decompress(&raw[4..], size).map_err(|e| format!("LZ4 body cannot be decompressed: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::io::Write;

    const ZLIB: i32 = 1 | (3 << 8);
    const ZSTD: i32 = 1 | (2 << 8);
    const LZ4: i32 = 1 | (1 << 8);

    fn zlib(data: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    #[test]
    fn compressed_bodies_of_every_kind_decompress() {
        let text = b"hello hello hello hello".repeat(10);
        assert_eq!(body(ZLIB, &zlib(&text), 1024).unwrap(), text);
        assert_eq!(body(1, &zlib(&text), 1024).unwrap(), text, "type 0 is zlib");
        let z = zstd::encode_all(text.as_slice(), 3).unwrap();
        assert_eq!(body(ZSTD, &z, 1024).unwrap(), text);
        let block = lz4_flex::block::compress_prepend_size(&text);
        assert_eq!(body(LZ4, &block, 1024).unwrap(), text);
        let mut frame = lz4_flex::frame::FrameEncoder::new(Vec::new());
        frame.write_all(&text).unwrap();
        assert_eq!(body(LZ4, &frame.finish().unwrap(), 1024).unwrap(), text);
        let plain = b"plain";
        assert!(
            matches!(body(0, plain, 1), Ok(Cow::Borrowed(b)) if b == plain),
            "uncompressed bodies are borrowed, not capped"
        );
    }

    #[test]
    fn bombs_are_refused_with_why() {
        // 64 MiB of zeros compress to ~64 KiB.
        let zeros = vec![0u8; 64 * 1024 * 1024];
        let bomb = zlib(&zeros);
        assert!(bomb.len() < 100 * 1024);
        let e = body(ZLIB, &bomb, MAX_DECOMPRESSED).unwrap_err();
        assert!(e.contains("expands past 16 MiB"), "{e}");
        let z = zstd::encode_all(zeros.as_slice(), 1).unwrap();
        assert!(
            body(ZSTD, &z, MAX_DECOMPRESSED)
                .unwrap_err()
                .contains("expands past")
        );
        // A forged LZ4 size prefix of 4 GiB is refused before anything is allocated.
        let forged = [0xff, 0xff, 0xff, 0xff, 0x10, 0x00];
        assert!(
            body(LZ4, &forged, MAX_DECOMPRESSED)
                .unwrap_err()
                .contains("expands past")
        );
        assert!(
            body(1 | (7 << 8), &forged, 10)
                .unwrap_err()
                .contains("unknown compression")
        );
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(1000))]
        #[test]
        fn random_bodies_decompress_or_fail_within_the_cap(
            kind in 0i32..8,
            raw in proptest::collection::vec(any::<u8>(), 0..256),
        ) {
            let flag = 1 | (kind << 8);
            if let Ok(b) = body(flag, &raw, 4096) {
                prop_assert!(b.len() <= 4096);
            }
        }

        #[test]
        fn mutated_real_bodies_decompress_or_fail_within_the_cap(
            kind in prop::sample::select(vec![ZLIB, ZSTD, LZ4]),
            flips in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..6),
        ) {
            let text = b"the quick brown fox ".repeat(50);
            let mut raw = match kind {
                ZLIB => zlib(&text).to_vec(),
                ZSTD => zstd::encode_all(text.as_slice(), 3).unwrap(),
                _ => lz4_flex::block::compress_prepend_size(&text),
            };
            for (i, b) in flips {
                let at = i.index(raw.len());
                raw[at] = b;
            }
            if let Ok(b) = body(kind, &raw, 4096) {
                prop_assert!(b.len() <= 4096);
            }
        }
    }
}
