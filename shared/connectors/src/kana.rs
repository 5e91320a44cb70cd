//! Readings (フリガナ) as the targets want them: full-width katakana. One normaliser for every
//! connector (C2 Kaonavi, C3 Mikiwame): Unicode NFKC (half-width katakana and their separate
//! voiced marks become composed full-width katakana, the ideographic space a space), then
//! hiragana shifted to katakana. Anything else is not a reading and is refused, naming it.

use unicode_normalization::UnicodeNormalization;

/// Hiragana and katakana are 0x60 apart in Unicode.
const HIRAGANA_TO_KATAKANA: u32 = 0x60;

/// The reading `s` in full-width katakana, words separated by one space.
pub fn katakana(s: &str) -> Result<String, String> {
    let normal: String = s.nfkc().collect();
    let mut out = String::with_capacity(normal.len());
    for word in normal.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        for c in word.chars() {
            let k = match c {
                'ぁ'..='ゖ' | 'ゝ' | 'ゞ' => char::from_u32(c as u32 + HIRAGANA_TO_KATAKANA),
                'ァ'..='ヺ' | 'ー' | '・' | 'ヽ' | 'ヾ' => Some(c),
                _ => None,
            };
            match k {
                Some(k) => out.push(k),
                None => {
                    return Err(format!(
                        "フリガナ「{s}」にカタカナにできない文字「{c}」があります (reading is not kana)"
                    ));
                }
            }
        }
    }
    Ok(out)
}

/// The symbols a code (社員番号) may hold besides half-width letters and digits.
pub const CODE_SYMBOLS: &[char] = &['-', '_', '.'];

/// A code (社員番号) in half-width letters, digits and [`CODE_SYMBOLS`]: full-width input is
/// folded by the same NFKC step as readings (`０１２３` → `0123`, `Ａ` → `A`), which is
/// unambiguous; a character NFKC does not fold to one of those (`ー`, `−`, kanji, spaces)
/// is refused, naming it, rather than guessed.
pub fn half_width_code(s: &str) -> Result<String, String> {
    let normal: String = s.trim().nfkc().collect();
    match normal
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || CODE_SYMBOLS.contains(c)))
    {
        Some(c) => Err(format!(
            "従業員番号「{s}」に使えない文字「{c}」があります。半角英数字と記号 - _ . のみ使えます (employee number: only half-width letters, digits and - _ .)"
        )),
        None => Ok(normal),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn c3_3_employee_numbers_fold_full_width_and_refuse_the_ambiguous() {
        assert_eq!(half_width_code("００１２").as_deref(), Ok("0012"));
        assert_eq!(half_width_code("ＥＭＰ－７").as_deref(), Ok("EMP-7"));
        assert_eq!(half_width_code(" A_1.b ").as_deref(), Ok("A_1.b"));
        for bad in ["12ー3", "12−3", "山田01", "12 3", "12/3"] {
            let err = half_width_code(bad).unwrap_err();
            assert!(err.contains(bad), "{err}");
        }
    }

    #[test]
    fn c2_5_readings_become_full_width_katakana() {
        assert_eq!(katakana("やまだ").unwrap(), "ヤマダ");
        assert_eq!(katakana("ﾔﾏﾀﾞ ﾀﾛｳ").unwrap(), "ヤマダ タロウ");
        assert_eq!(
            katakana("ｶﾞｷﾞｸﾞｹﾞｺﾞ ﾊﾟﾋﾟﾌﾟﾍﾟﾎﾟ ｳﾞ ﾂﾞ").unwrap(),
            "ガギグゲゴ パピプペポ ヴ ヅ"
        );
        assert_eq!(katakana("さとう　はなこ").unwrap(), "サトウ ハナコ");
        assert_eq!(katakana("  ゔぁいおりん ").unwrap(), "ヴァイオリン");
        assert_eq!(katakana("ｽｽﾞｷ･ｲﾁﾛｰ").unwrap(), "スズキ・イチロー");
        assert!(katakana("Yamada").is_err());
        assert!(katakana("山田").is_err());
        assert!(katakana("ﾞ").is_err(), "a voiced mark alone is no reading");
    }

    mod properties {
        use super::super::*;
        use proptest::prelude::*;

        /// Readings as people type them: hiragana, half- and full-width katakana with their
        /// voiced marks (combining ones too), prolonged sound and middle dot, ligatures
        /// (ゟ, ヿ), ASCII and ideographic spaces. Refused text is the next property's.
        const READING: &str = "[ぁ-ゖゝゞゟァ-ヿｦ-ﾟ\u{3099}\u{309A}ー・･　 \t]{0,16}";

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(512))]

            /// A stored reading read back (a second sync, or a reading already in the
            /// target) must not change: normalising is idempotent.
            #[test]
            fn s28_17_kana_normalisation_is_idempotent(s in READING) {
                if let Ok(once) = katakana(&s) {
                    prop_assert_eq!(katakana(&once), Ok(once.clone()), "input {:?}", s);
                }
            }

            #[test]
            fn s28_17_kana_normalisation_is_idempotent_on_any_text(s in any::<String>()) {
                if let Ok(once) = katakana(&s) {
                    prop_assert_eq!(katakana(&once), Ok(once.clone()), "input {:?}", s);
                }
            }

            #[test]
            fn s28_17_employee_number_folding_is_idempotent(s in "[0-9A-Za-z０-９Ａ-Ｚａ-ｚ\\-_.－＿．ー 　]{0,12}") {
                if let Ok(once) = half_width_code(&s) {
                    prop_assert_eq!(half_width_code(&once), Ok(once.clone()), "input {:?}", s);
                }
            }
        }
    }
}
