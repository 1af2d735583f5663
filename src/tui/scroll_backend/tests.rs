use ratatui::Terminal;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Color, Style};
use ratatui::text::Line;

use super::plan::{Shift, candidates, row_hashes};
use super::*;

/// The text of each row as a terminal emulator shows it after `bytes`.
fn emulated(bytes: &[u8], w: u16, h: u16) -> Vec<String> {
    let mut p = vt100::Parser::new(h, w, 0);
    p.process(bytes);
    p.screen()
        .rows(0, w)
        .map(|r| r.trim_end().to_owned())
        .collect()
}

fn rows_of(buf: &Buffer) -> Vec<String> {
    let w = usize::from(buf.area.width);
    buf.content
        .chunks(w)
        .map(|r| {
            r.iter()
                .map(|c| c.symbol())
                .collect::<String>()
                .trim_end()
                .to_owned()
        })
        .collect()
}

fn lettered(w: u16, h: u16) -> Buffer {
    let mut b = Buffer::empty(Rect::new(0, 0, w, h));
    for y in 0..h {
        let text = format!("row {y} {}", char::from(b'a' + y as u8));
        b.set_line(0, y, &Line::from(text), w);
    }
    b
}

#[test]
fn a_shift_does_to_the_mirror_what_its_bytes_do_to_a_terminal() {
    let (w, h) = (20, 10);
    for shift in [
        Shift {
            top: 2,
            bottom: 8,
            by: 1,
        },
        Shift {
            top: 0,
            bottom: 10,
            by: 3,
        },
        Shift {
            top: 3,
            bottom: 9,
            by: -2,
        },
        Shift {
            top: 1,
            bottom: 3,
            by: -1,
        },
    ] {
        let screen = lettered(w, h);
        let mut bytes = ratatui_bytes(
            screen.diff_iter(&screen).chain(
                screen
                    .content
                    .iter()
                    .enumerate()
                    .map(|(i, c)| ((i % 20) as u16, (i / 20) as u16, c)),
            ),
        )
        .unwrap();
        shift.write(&mut bytes);
        let mut mirror = screen.clone();
        shift.apply(&mut mirror);
        assert_eq!(emulated(&bytes, w, h), rows_of(&mirror), "{shift:?}");
    }
}

#[test]
fn rows_that_moved_up_or_down_are_proposed_and_static_rows_are_not() {
    let old = lettered(20, 10);
    let mut up = lettered(20, 10);
    // Rows 2..7 show old rows 3..8: the window moved down one row; rows 0, 1, 8, 9 stay.
    for y in 2..7 {
        let src: Vec<_> = old.content[(y + 1) * 20..(y + 2) * 20].to_vec();
        up.content[y * 20..(y + 1) * 20].clone_from_slice(&src);
    }
    let c = candidates(&row_hashes(&old), &row_hashes(&up), 4);
    assert_eq!(
        c.first(),
        Some(&Shift {
            top: 2,
            bottom: 8,
            by: 1
        })
    );
    assert!(candidates(&row_hashes(&old), &row_hashes(&old), 4).is_empty());
    // Down by two.
    let mut down = lettered(20, 10);
    for y in 4..8 {
        let src: Vec<_> = old.content[(y - 2) * 20..(y - 1) * 20].to_vec();
        down.content[y * 20..(y + 1) * 20].clone_from_slice(&src);
    }
    assert_eq!(
        candidates(&row_hashes(&old), &row_hashes(&down), 4).first(),
        Some(&Shift {
            top: 2,
            bottom: 8,
            by: -2
        })
    );
}

/// A list of `n` rows from `first`, the row `sel` highlighted, inside a frame of `h` rows.
fn list(f: &mut ratatui::Frame, first: usize, sel: usize) {
    let area = f.area();
    for y in 0..area.height {
        let i = first + usize::from(y);
        let style = if i == sel {
            Style::new().bg(Color::Blue)
        } else {
            Style::new()
        };
        // Rows unlike each other, as a token table's are (ids, descriptions, users).
        let word = ["edge", "core", "ci", "backup", "grafana"][i % 5];
        let text = format!(
            "{:08x} {word} reader {}",
            i * 2_654_435_761 % 0xffff_fff1,
            i * 7
        );
        f.buffer_mut()
            .set_line(0, y, &Line::styled(text, style), area.width);
    }
}

#[test]
fn a_window_moved_by_one_row_is_scrolled_and_the_screen_is_the_frame() {
    let (w, h) = (60u16, 12u16);
    for regions in [true, false] {
        let mut t = Terminal::new(ScrollBackend::detached(Vec::new(), w, h, regions)).unwrap();
        let mut p = vt100::Parser::new(h, w, 0);
        let mut sizes = Vec::new();
        for first in 0..6 {
            t.draw(|f| list(f, first, first + usize::from(h) - 1))
                .unwrap();
            let bytes = std::mem::take(t.backend_mut().writer_mut());
            sizes.push(bytes.len());
            p.process(&bytes);
        }
        let mut fresh = Terminal::new(ratatui::backend::TestBackend::new(w, h)).unwrap();
        fresh.draw(|f| list(f, 5, 5 + usize::from(h) - 1)).unwrap();
        let frame = rows_of(fresh.backend().buffer());
        let shown: Vec<String> = p
            .screen()
            .rows(0, w)
            .map(|r| r.trim_end().to_owned())
            .collect();
        assert_eq!(shown, frame, "regions {regions}");
        let stats = t.backend().stats();
        if regions {
            assert_eq!(stats.scrolled, 5, "{stats:?}");
            assert!(sizes[1..].iter().all(|&b| b < 300), "{sizes:?}");
        } else {
            assert_eq!(stats.scrolled, 0);
            assert!(sizes[1..].iter().all(|&b| b > 500), "{sizes:?}");
        }
    }
}

#[test]
fn dumb_terminals_and_the_switch_keep_the_plain_path() {
    assert!(regions_allowed(Some("xterm-256color"), None));
    assert!(regions_allowed(Some("linux"), Some("on")));
    assert!(!regions_allowed(Some("dumb"), None));
    assert!(!regions_allowed(None, None));
    assert!(!regions_allowed(Some("tmux-256color"), Some("off")));
    assert!(!regions_allowed(Some("xterm"), Some("0")));
}
