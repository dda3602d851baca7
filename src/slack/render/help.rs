//! The answer to `/expire-insurance help`: one line per form of the command, from the
//! catalogue, so the help reads in the configured language (the command's own words,
//! `history` and `help`, stay as typed).

use crate::i18n::Locale;
use crate::tr;

/// The help text, one line per form of the command.
pub fn help_text(l: Locale) -> String {
    [
        tr!(l, "help-request-line"),
        tr!(l, "help-history-line"),
        tr!(l, "help-help-line"),
    ]
    .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Language;

    #[test]
    fn help_is_three_lines_and_names_the_command_and_history_in_both_languages() {
        for language in Language::ALL {
            let help = help_text(Locale::new(language, chrono_tz::Asia::Seoul));
            assert_eq!(help.lines().count(), 3, "{help}");
            assert!(help.contains("/expire-insurance history"), "{help}");
            assert!(help.contains("/expire-insurance help"), "{help}");
        }
    }
}
