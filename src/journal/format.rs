//! Byte layout constants and the pure encode/decode of segment headers and frames.

/// First eight bytes of every segment file.
pub const SEGMENT_MAGIC: [u8; 8] = *b"ARBJRNL\n";
/// Version of the framing and of the payload encodings it names; what the writer writes.
pub const FORMAT_VERSION: u16 = 9;
/// The oldest version this build still reads (each version's golden files are tested).
pub const OLDEST_READABLE_VERSION: u16 = 1;
pub const SEGMENT_HEADER_LEN: usize = 32;
pub const FRAME_HEADER_LEN: usize = 28;
/// Larger payloads are treated as corruption (no record comes near this).
pub const MAX_PAYLOAD_LEN: u32 = 16 << 20;

/// What a record's payload holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum RecordKind {
    /// bincode of `event::Event`.
    Event = 1,
    /// bincode of `event::Decision`.
    Decision = 2,
}

impl RecordKind {
    pub fn from_u16(v: u16) -> Option<RecordKind> {
        match v {
            1 => Some(RecordKind::Event),
            2 => Some(RecordKind::Decision),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            RecordKind::Event => "event",
            RecordKind::Decision => "decision",
        }
    }
}

/// Payload layout version of each kind (1 in format versions 1 and 2).
pub const KIND_VERSION: u16 = 1;

pub fn segment_file_name(index: u32) -> String {
    format!("{index:08}.arbj")
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SegmentHeader {
    pub version: u16,
    pub index: u32,
    pub first_seq: u64,
}

pub fn encode_segment_header(h: &SegmentHeader) -> [u8; SEGMENT_HEADER_LEN] {
    let mut b = [0u8; SEGMENT_HEADER_LEN];
    b[0..8].copy_from_slice(&SEGMENT_MAGIC);
    b[8..10].copy_from_slice(&h.version.to_le_bytes());
    b[10..12].copy_from_slice(&(SEGMENT_HEADER_LEN as u16).to_le_bytes());
    b[12..16].copy_from_slice(&h.index.to_le_bytes());
    b[16..24].copy_from_slice(&h.first_seq.to_le_bytes());
    let crc = crc32c::crc32c(&b[0..24]);
    b[24..28].copy_from_slice(&crc.to_le_bytes());
    b
}

pub fn decode_segment_header(b: &[u8]) -> Result<SegmentHeader, String> {
    if b.len() < SEGMENT_HEADER_LEN {
        return Err(format!(
            "file is {} bytes, shorter than the {SEGMENT_HEADER_LEN}-byte header",
            b.len()
        ));
    }
    if b[0..8] != SEGMENT_MAGIC {
        return Err("magic is not ARBJRNL\\n: not an arb journal segment".into());
    }
    let stored = u32::from_le_bytes([b[24], b[25], b[26], b[27]]);
    if crc32c::crc32c(&b[0..24]) != stored {
        return Err("header checksum mismatch".into());
    }
    let version = u16::from_le_bytes([b[8], b[9]]);
    if !(OLDEST_READABLE_VERSION..=FORMAT_VERSION).contains(&version) {
        return Err(format!(
            "format version {version}; this build reads versions {OLDEST_READABLE_VERSION} to {FORMAT_VERSION}"
        ));
    }
    let header_len = u16::from_le_bytes([b[10], b[11]]);
    if usize::from(header_len) != SEGMENT_HEADER_LEN {
        return Err(format!(
            "header length {header_len}, expected {SEGMENT_HEADER_LEN}"
        ));
    }
    Ok(SegmentHeader {
        version,
        index: u32::from_le_bytes([b[12], b[13], b[14], b[15]]),
        first_seq: u64::from_le_bytes(b[16..24].try_into().map_err(|_| "short header")?),
    })
}

/// Appends one frame (header + payload) to `out`.
pub fn encode_frame(out: &mut Vec<u8>, seq: u64, ts: i64, kind: RecordKind, payload: &[u8]) {
    let start = out.len();
    out.extend_from_slice(&(payload.len() as u32).to_le_bytes());
    out.extend_from_slice(&[0; 4]);
    out.extend_from_slice(&seq.to_le_bytes());
    out.extend_from_slice(&ts.to_le_bytes());
    out.extend_from_slice(&(kind as u16).to_le_bytes());
    out.extend_from_slice(&KIND_VERSION.to_le_bytes());
    out.extend_from_slice(payload);
    let crc = crc32c::crc32c(&out[start + 8..]);
    out[start + 4..start + 8].copy_from_slice(&crc.to_le_bytes());
}

/// A frame header read from bytes, before its checksum is verified.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FrameHeader {
    pub payload_len: u32,
    pub crc: u32,
    pub seq: u64,
    pub ts: i64,
    pub kind: u16,
    pub kind_version: u16,
}

pub fn read_frame_header(b: &[u8]) -> Option<FrameHeader> {
    let h: &[u8; FRAME_HEADER_LEN] = b.get(..FRAME_HEADER_LEN)?.try_into().ok()?;
    Some(FrameHeader {
        payload_len: u32::from_le_bytes([h[0], h[1], h[2], h[3]]),
        crc: u32::from_le_bytes([h[4], h[5], h[6], h[7]]),
        seq: u64::from_le_bytes([h[8], h[9], h[10], h[11], h[12], h[13], h[14], h[15]]),
        ts: i64::from_le_bytes([h[16], h[17], h[18], h[19], h[20], h[21], h[22], h[23]]),
        kind: u16::from_le_bytes([h[24], h[25]]),
        kind_version: u16::from_le_bytes([h[26], h[27]]),
    })
}
