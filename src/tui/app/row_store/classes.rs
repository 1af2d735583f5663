//! The classes of bytes the pair and gram indexes are made of: each letter and digit its own,
//! every other byte none (it parts runs).

/// Letters and digits each have a class; any other byte has none.
pub(super) const CLASSES: usize = 36;
/// Each byte's class, `NONE` for a byte that is no letter or digit (a table: this runs for
/// every byte of two million rows as they load).
pub(super) const CLASS: [u8; 256] = {
    let mut t = [NONE; 256];
    let mut b = 0;
    while b < 26 {
        t[b'a' as usize + b] = b as u8;
        b += 1;
    }
    let mut d = 0;
    while d < 10 {
        t[b'0' as usize + d] = 26 + d as u8;
        d += 1;
    }
    t
};
pub(super) const NONE: u8 = u8::MAX;

pub(super) fn class_of(b: u8) -> Option<usize> {
    let c = CLASS[usize::from(b)];
    (c != NONE).then_some(usize::from(c))
}
