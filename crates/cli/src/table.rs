//! Plain text tables with aligned columns. Every cell goes through [`terminal::cell`]: vendor
//! text is made visible and long values are shortened, so one row stays one line.

use crate::terminal;

pub struct Table<const N: usize> {
    header: [String; N],
    /// The widest each column's cells get.
    limits: [usize; N],
    rows: Vec<[String; N]>,
}

impl<const N: usize> Table<N> {
    pub fn new(header: [&str; N]) -> Self {
        Table {
            header: header.map(str::to_string),
            limits: [terminal::MAX_CELL_CHARS; N],
            rows: Vec::new(),
        }
    }

    /// Column `index` holds free text (a detail, a reason): its cells may be wider.
    pub fn text_column(mut self, index: usize) -> Self {
        self.limits[index] = terminal::MAX_TEXT_CELL_CHARS;
        self
    }

    pub fn row(&mut self, cells: [String; N]) {
        let mut limits = self.limits.iter();
        self.rows
            .push(cells.map(|c| terminal::cell(&c, *limits.next().unwrap())));
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    pub fn render(&self) -> String {
        let mut widths = self.header.clone().map(|h| h.chars().count());
        for row in &self.rows {
            for (w, cell) in widths.iter_mut().zip(row) {
                *w = (*w).max(cell.chars().count());
            }
        }
        let line = |cells: &[String; N]| {
            let padded: Vec<String> = cells
                .iter()
                .zip(widths)
                .map(|(c, w)| format!("{c:<w$}"))
                .collect();
            format!("{}\n", padded.join("  ").trim_end())
        };
        let mut out = line(&self.header);
        for row in &self.rows {
            out.push_str(&line(row));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_align() {
        let mut t = Table::new(["A", "BB"]);
        t.row(["xxx".into(), "y".into()]);
        assert_eq!(t.render(), "A    BB\nxxx  y\n");
    }

    #[test]
    fn a_cell_cannot_break_its_row() {
        let mut t = Table::new(["ID", "STATE"]);
        t.row([
            "a\r\nagora x FAKE FAILED -> RUNNING ok".into(),
            "RUNNING".into(),
        ]);
        t.row(["x".repeat(500), "\x1b]0;title\x07".into()]);
        let shown = t.render();
        assert_eq!(shown.lines().count(), 3, "{shown}");
        assert!(
            !shown.chars().any(|c| c.is_control() && c != '\n'),
            "{shown}"
        );
        assert!(shown
            .lines()
            .all(|l| l.chars().count() < 2 * terminal::MAX_CELL_CHARS + 10));
    }
}
