//! HTML fragments (from feeds, agenda sources, ADEME's guide) turned into clean text for the
//! screens.
//!
//! Feeds carry HTML of every quality, so this is a small tolerant scanner rather than a parser:
//! it never fails, never panics and does work linear in the length of its input.

use std::borrow::Cow;

/// Turns an HTML fragment (or plain text with entities) into clean text.
///
/// Tags are dropped, as are the contents of `script`, `style`, `head` and similar elements;
/// named and numeric entities are decoded; block elements (`p`, `br`, `div`, `li`, `h1`–`h6`…)
/// become paragraph breaks, written as one `"\n"`; every other run of whitespace becomes one
/// space, and the result is trimmed.
pub fn to_text(html: &str) -> String {
    let mut out = Collector::with_capacity(html.len());
    let mut tokens = Tokens::new(html);
    while let Some(token) = tokens.next() {
        match token {
            Token::Text(text) => decode_into(text, |c| out.push(c)),
            Token::Tag { name, end, .. } => {
                if !end && tokens.skip_hidden_contents(name) {
                    continue;
                }
                if is_block(name) {
                    out.paragraph();
                } else if is_spacing(name) {
                    out.space();
                }
            }
        }
    }
    out.out
}

/// The `src` of the first picture in an HTML fragment, entities decoded, not yet resolved.
///
/// Tracking pixels (a width or height of 0 or 1) and inline `data:` pictures are passed over,
/// and a lazy-loading `data-src` stands in for a missing `src`.
pub fn first_img_src(html: &str) -> Option<String> {
    let mut tokens = Tokens::new(html);
    while let Some(token) = tokens.next() {
        let Token::Tag {
            name,
            end: false,
            attrs,
        } = token
        else {
            continue;
        };
        if tokens.skip_hidden_contents(name) || !name.eq_ignore_ascii_case("img") {
            continue;
        }
        let tiny = ["width", "height"].into_iter().any(|dimension| {
            attr(attrs, dimension)
                .is_some_and(|v| matches!(v.trim().trim_end_matches("px"), "0" | "1"))
        });
        if tiny {
            continue;
        }
        let src = [attr(attrs, "src"), attr(attrs, "data-src")]
            .into_iter()
            .flatten()
            .map(|raw| decode_entities(raw).trim().to_owned())
            .find(|src| !src.is_empty() && !starts_with_ignore_case(src, "data:"));
        if src.is_some() {
            return src;
        }
    }
    None
}

/// Decodes the entities of a piece of text (an attribute value, a plain-text title), leaving
/// its whitespace as it is.
pub fn decode_entities(text: &str) -> Cow<'_, str> {
    if !text.contains('&') && !text.contains("]]>") {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    decode_into(text, |c| out.push(c));
    Cow::Owned(out)
}

/// Elements that end a paragraph when they open or close.
fn is_block(name: &str) -> bool {
    const BLOCKS: &[&str] = &[
        "p",
        "br",
        "div",
        "li",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "ul",
        "ol",
        "dl",
        "dt",
        "dd",
        "tr",
        "table",
        "blockquote",
        "pre",
        "hr",
        "section",
        "article",
        "header",
        "footer",
        "aside",
        "figure",
        "figcaption",
        "address",
        "main",
        "nav",
    ];
    BLOCKS.iter().any(|block| name.eq_ignore_ascii_case(block))
}

/// Elements that separate words without ending a paragraph.
fn is_spacing(name: &str) -> bool {
    ["td", "th", "img", "caption"]
        .iter()
        .any(|tag| name.eq_ignore_ascii_case(tag))
}

/// How text is gathered: whitespace collapsed, paragraph breaks merged, nothing leading or
/// trailing.
struct Collector {
    out: String,
    space: bool,
    paragraph: bool,
}

impl Collector {
    fn with_capacity(capacity: usize) -> Self {
        Self {
            out: String::with_capacity(capacity),
            space: false,
            paragraph: false,
        }
    }

    fn push(&mut self, c: char) {
        if c.is_whitespace() {
            self.space = true;
            return;
        }
        // Soft hyphens, zero-width marks and control characters would only show as boxes.
        if c.is_control()
            || matches!(
                c,
                '\u{AD}' | '\u{200B}'..='\u{200F}' | '\u{2060}' | '\u{FEFF}'
            )
        {
            return;
        }
        if !self.out.is_empty() {
            if self.paragraph {
                self.out.push('\n');
            } else if self.space {
                self.out.push(' ');
            }
        }
        self.space = false;
        self.paragraph = false;
        self.out.push(c);
    }

    fn space(&mut self) {
        self.space = true;
    }

    fn paragraph(&mut self) {
        self.paragraph = true;
    }
}

/// One piece of an HTML fragment.
enum Token<'a> {
    Text(&'a str),
    Tag {
        /// As written, case included.
        name: &'a str,
        /// A closing tag (`</p>`).
        end: bool,
        /// Everything between the name and the closing `>`.
        attrs: &'a str,
    },
}

/// How far a tag's end is searched for while honouring quoted attribute values; past this a
/// quote is taken as stray, so that one bad quote cannot make every later tag scan to the end.
const TAG_WINDOW: usize = 2048;

/// Elements whose contents are raw text, hidden to the end of the fragment when left open.
const RAW: [&str; 2] = ["script", "style"];
/// Elements whose contents are hidden when they are closed.
const HIDDEN: [&str; 6] = ["head", "noscript", "template", "svg", "math", "object"];

struct Tokens<'a> {
    src: &'a str,
    pos: usize,
    /// For each of `HIDDEN`, a position after which its closing tag is known to be absent, so
    /// that a fragment repeating `<head>` is not searched to its end once per repetition.
    unclosed_after: [usize; HIDDEN.len()],
}

impl<'a> Tokens<'a> {
    fn new(src: &'a str) -> Self {
        Self {
            src,
            pos: 0,
            unclosed_after: [usize::MAX; HIDDEN.len()],
        }
    }

    /// After the opening tag `name`: skips what must not be shown (scripts, styles, the
    /// document head) and says whether it did. A script left open hides the rest of the
    /// fragment, as in a browser; an unclosed head hides nothing.
    fn skip_hidden_contents(&mut self, name: &str) -> bool {
        let raw = RAW.iter().any(|tag| name.eq_ignore_ascii_case(tag));
        let hidden = HIDDEN.iter().position(|tag| name.eq_ignore_ascii_case(tag));
        if !raw && hidden.is_none() {
            return false;
        }
        if let Some(i) = hidden
            && self.pos >= self.unclosed_after[i]
        {
            return false;
        }
        let rest = &self.src.as_bytes()[self.pos..];
        let mut from = 0;
        while let Some(found) = find_ignore_case(&rest[from..], b"</") {
            let at = from + found;
            let after = &rest[at + 2..];
            let closes = after.len() >= name.len()
                && after[..name.len()].eq_ignore_ascii_case(name.as_bytes())
                && after
                    .get(name.len())
                    .is_none_or(|b| !b.is_ascii_alphanumeric());
            if closes {
                self.pos += at;
                return true;
            }
            from = at + 2;
        }
        match hidden {
            Some(i) => {
                self.unclosed_after[i] = self.pos;
                false
            }
            None => {
                self.pos = self.src.len();
                true
            }
        }
    }
}

impl<'a> Iterator for Tokens<'a> {
    type Item = Token<'a>;

    fn next(&mut self) -> Option<Token<'a>> {
        let bytes = self.src.as_bytes();
        loop {
            let rest = &bytes[self.pos..];
            if rest.is_empty() {
                return None;
            }
            if rest[0] != b'<' {
                let len = rest.iter().position(|&b| b == b'<').unwrap_or(rest.len());
                let text = &self.src[self.pos..self.pos + len];
                self.pos += len;
                return Some(Token::Text(text));
            }
            if rest.starts_with(b"<!--") {
                self.pos += find_ignore_case(&rest[4..], b"-->").map_or(rest.len(), |i| 4 + i + 3);
                continue;
            }
            // A CDATA section left in the HTML (a feed wrapped twice): its markers go, its
            // contents are read as HTML like the rest.
            if rest.len() >= 9 && rest[..9].eq_ignore_ascii_case(b"<![CDATA[") {
                self.pos += 9;
                continue;
            }
            if rest.starts_with(b"<!") || rest.starts_with(b"<?") {
                self.pos += rest
                    .iter()
                    .position(|&b| b == b'>')
                    .map_or(rest.len(), |i| i + 1);
                continue;
            }
            let end = rest.get(1) == Some(&b'/');
            let name_at = if end { 2 } else { 1 };
            let name_len = rest[name_at..]
                .iter()
                .position(|&b| !(b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b':')))
                .unwrap_or(rest.len() - name_at);
            if name_len == 0 || !rest[name_at].is_ascii_alphabetic() {
                // A lone "<" as in "a < b" is text.
                self.pos += 1;
                return Some(Token::Text("<"));
            }
            let attrs_at = name_at + name_len;
            let Some(close) = tag_end(&rest[attrs_at..]) else {
                // An unclosed tag runs to the end, as in a browser.
                self.pos = bytes.len();
                return None;
            };
            let start = self.pos;
            self.pos += attrs_at + close + 1;
            return Some(Token::Tag {
                name: &self.src[start + name_at..start + attrs_at],
                end,
                attrs: &self.src[start + attrs_at..start + attrs_at + close],
            });
        }
    }
}

/// The offset of the `>` ending a tag, given what follows the tag's name.
fn tag_end(rest: &[u8]) -> Option<usize> {
    let mut quote = None;
    let mut after_equals = false;
    for (i, &b) in rest.iter().enumerate().take(TAG_WINDOW) {
        match quote {
            Some(q) if b == q => quote = None,
            Some(_) => {}
            None if b == b'>' => return Some(i),
            None if after_equals && (b == b'"' || b == b'\'') => quote = Some(b),
            None => {}
        }
        if !b.is_ascii_whitespace() {
            after_equals = b == b'=';
        }
    }
    if quote.is_none() && rest.len() <= TAG_WINDOW {
        return None;
    }
    rest.iter().position(|&b| b == b'>')
}

/// The value of attribute `name` in the attribute text of a tag, entities not decoded.
fn attr<'a>(attrs: &'a str, name: &str) -> Option<&'a str> {
    let bytes = attrs.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        while i < bytes.len() && (bytes[i].is_ascii_whitespace() || bytes[i] == b'/') {
            i += 1;
        }
        let name_start = i;
        while i < bytes.len() && !bytes[i].is_ascii_whitespace() && !matches!(bytes[i], b'=' | b'/')
        {
            i += 1;
        }
        let this_name = &attrs[name_start..i];
        while i < bytes.len() && bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        let mut value = "";
        if bytes.get(i) == Some(&b'=') {
            i += 1;
            while i < bytes.len() && bytes[i].is_ascii_whitespace() {
                i += 1;
            }
            match bytes.get(i) {
                Some(&q) if q == b'"' || q == b'\'' => {
                    let len = bytes[i + 1..]
                        .iter()
                        .position(|&b| b == q)
                        .unwrap_or(bytes.len() - i - 1);
                    value = &attrs[i + 1..i + 1 + len];
                    i += len + 2;
                }
                _ => {
                    let start = i;
                    while i < bytes.len() && !bytes[i].is_ascii_whitespace() {
                        i += 1;
                    }
                    value = &attrs[start..i];
                }
            }
        }
        if !this_name.is_empty() && this_name.eq_ignore_ascii_case(name) {
            return Some(value);
        }
        if i == name_start {
            // A lone "=" or similar: step over it so the loop always advances.
            i += 1;
        }
    }
    None
}

/// Decodes entities in `text`, handing each resulting character to `push`; stray CDATA end
/// markers are dropped.
fn decode_into(text: &str, mut push: impl FnMut(char)) {
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        if c == '&'
            && let Some((decoded, len)) = entity(rest)
        {
            if let Some(decoded) = decoded {
                push(decoded);
            }
            rest = &rest[len..];
            continue;
        }
        if c == ']' && rest.starts_with("]]>") {
            rest = &rest[3..];
            continue;
        }
        push(c);
        rest = &rest[c.len_utf8()..];
    }
}

/// The entity at the start of `text` (which starts with `&`): the character it stands for
/// (None for one that stands for nothing) and how many bytes it takes; None when this `&` is
/// not an entity and stays as written.
fn entity(text: &str) -> Option<(Option<char>, usize)> {
    let bytes = text.as_bytes();
    if bytes.get(1) == Some(&b'#') {
        let hex = matches!(bytes.get(2), Some(b'x' | b'X'));
        let digits_at = if hex { 3 } else { 2 };
        let digits = bytes[digits_at..]
            .iter()
            .take_while(|b| {
                if hex {
                    b.is_ascii_hexdigit()
                } else {
                    b.is_ascii_digit()
                }
            })
            .count();
        if digits == 0 {
            return None;
        }
        let mut len = digits_at + digits;
        // More than eight digits cannot be a character; parsing them all would only overflow.
        let value = if digits > 8 {
            None
        } else {
            u32::from_str_radix(&text[digits_at..len], if hex { 16 } else { 10 }).ok()
        };
        if bytes.get(len) == Some(&b';') {
            len += 1;
        }
        return Some((
            Some(value.map_or(char::REPLACEMENT_CHARACTER, numeric_char)),
            len,
        ));
    }
    let name_len = bytes[1..]
        .iter()
        .take(32)
        .take_while(|b| b.is_ascii_alphanumeric())
        .count();
    let name = &text[1..1 + name_len];
    if bytes.get(1 + name_len) == Some(&b';') {
        return named(name).map(|c| (c, name_len + 2));
    }
    // The few entities old HTML lets go without a semicolon.
    matches!(name, "amp" | "lt" | "gt" | "quot" | "nbsp")
        .then(|| named(name).map(|c| (c, name_len + 1)))
        .flatten()
}

/// The character of a numeric reference, read the way browsers do: the C1 range as
/// windows-1252, anything that is no character as U+FFFD.
fn numeric_char(value: u32) -> char {
    if let Some(c) = value
        .checked_sub(0x80)
        .and_then(|i| WINDOWS_1252_HIGH.get(i as usize))
        .filter(|c| **c != '\0')
    {
        return *c;
    }
    match value {
        0 => char::REPLACEMENT_CHARACTER,
        _ => char::from_u32(value).unwrap_or(char::REPLACEMENT_CHARACTER),
    }
}

/// The characters Windows-1252 gives bytes 0x80 to 0x9F; `'\0'` where it defines none
/// (those bytes then read as the C1 control of the same number, as in Latin-1).
pub const WINDOWS_1252_HIGH: [char; 32] = [
    '€', '\0', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\0', 'Ž', '\0', '\0', '‘',
    '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '\0', 'ž', 'Ÿ',
];

/// The names of U+00A0 to U+00FF, in order.
const LATIN1: [&str; 96] = [
    "nbsp", "iexcl", "cent", "pound", "curren", "yen", "brvbar", "sect", "uml", "copy", "ordf",
    "laquo", "not", "shy", "reg", "macr", "deg", "plusmn", "sup2", "sup3", "acute", "micro",
    "para", "middot", "cedil", "sup1", "ordm", "raquo", "frac14", "frac12", "frac34", "iquest",
    "Agrave", "Aacute", "Acirc", "Atilde", "Auml", "Aring", "AElig", "Ccedil", "Egrave", "Eacute",
    "Ecirc", "Euml", "Igrave", "Iacute", "Icirc", "Iuml", "ETH", "Ntilde", "Ograve", "Oacute",
    "Ocirc", "Otilde", "Ouml", "times", "Oslash", "Ugrave", "Uacute", "Ucirc", "Uuml", "Yacute",
    "THORN", "szlig", "agrave", "aacute", "acirc", "atilde", "auml", "aring", "aelig", "ccedil",
    "egrave", "eacute", "ecirc", "euml", "igrave", "iacute", "icirc", "iuml", "eth", "ntilde",
    "ograve", "oacute", "ocirc", "otilde", "ouml", "divide", "oslash", "ugrave", "uacute", "ucirc",
    "uuml", "yacute", "thorn", "yuml",
];

/// The character of a named entity (None inside for one that stands for nothing); None for a
/// name this scanner does not know, which then stays as written.
fn named(name: &str) -> Option<Option<char>> {
    if let Some(i) = LATIN1.iter().position(|&n| n == name) {
        return Some(char::from_u32(0xA0 + i as u32));
    }
    let c = match name {
        "amp" | "AMP" => '&',
        "lt" | "LT" => '<',
        "gt" | "GT" => '>',
        "quot" | "QUOT" => '"',
        "apos" => '\'',
        "OElig" => 'Œ',
        "oelig" => 'œ',
        "Scaron" => 'Š',
        "scaron" => 'š',
        "Yuml" => 'Ÿ',
        "fnof" => 'ƒ',
        "circ" => 'ˆ',
        "tilde" => '˜',
        "ensp" => '\u{2002}',
        "emsp" => '\u{2003}',
        "thinsp" => '\u{2009}',
        "zwnj" | "zwj" | "lrm" | "rlm" => return Some(None),
        "ndash" => '–',
        "mdash" => '—',
        "lsquo" => '‘',
        "rsquo" => '’',
        "sbquo" => '‚',
        "ldquo" => '“',
        "rdquo" => '”',
        "bdquo" => '„',
        "dagger" => '†',
        "Dagger" => '‡',
        "bull" => '•',
        "hellip" => '…',
        "permil" => '‰',
        "prime" => '′',
        "Prime" => '″',
        "lsaquo" => '‹',
        "rsaquo" => '›',
        "oline" => '‾',
        "euro" => '€',
        "trade" => '™',
        "larr" => '←',
        "uarr" => '↑',
        "rarr" => '→',
        "darr" => '↓',
        "harr" => '↔',
        "minus" => '−',
        "infin" => '∞',
        "ne" => '≠',
        "le" => '≤',
        "ge" => '≥',
        "asymp" => '≈',
        _ => return None,
    };
    Some(Some(c))
}

fn starts_with_ignore_case(text: &str, prefix: &str) -> bool {
    text.len() >= prefix.len()
        && text.as_bytes()[..prefix.len()].eq_ignore_ascii_case(prefix.as_bytes())
}

/// Where `needle` (lowercase ASCII) first occurs in `haystack`, ignoring ASCII case.
fn find_ignore_case(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() || haystack.len() < needle.len() {
        return None;
    }
    (0..=haystack.len() - needle.len()).find(|&i| {
        haystack[i].eq_ignore_ascii_case(&needle[0])
            && haystack[i..i + needle.len()].eq_ignore_ascii_case(needle)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_passes_through_with_entities_decoded() {
        assert_eq!(
            to_text("Caf&eacute; &amp; th&#233; &#x00E9;t&#xe9;"),
            "Café & thé été"
        );
        assert_eq!(to_text("a&nbsp;b"), "a b");
        assert_eq!(
            to_text("AT&T, R&D;, &unknown; &"),
            "AT&T, R&D;, &unknown; &"
        );
        assert_eq!(to_text("x < y and y > z"), "x < y and y > z");
        assert_eq!(to_text("&lt;b&gt;not a tag&lt;/b&gt;"), "<b>not a tag</b>");
    }

    #[test]
    fn numeric_references_out_of_range_become_replacement_characters() {
        assert_eq!(
            to_text("&#0;&#xD800;&#99999999999;&#x110000;"),
            "\u{FFFD}".repeat(4)
        );
        // Browsers read the C1 range as windows-1252.
        assert_eq!(to_text("l&#146;&#233;t&#233; &#150; &#128;"), "l’été – €");
        assert_eq!(to_text("&#233 and &#"), "é and &#");
    }

    #[test]
    fn every_latin1_name_maps_to_its_code_point() {
        assert_eq!(named("nbsp"), Some(Some('\u{A0}')));
        assert_eq!(named("eacute"), Some(Some('é')));
        assert_eq!(named("Eacute"), Some(Some('É')));
        assert_eq!(named("times"), Some(Some('×')));
        assert_eq!(named("yuml"), Some(Some('ÿ')));
        assert_eq!(named("nope"), None);
    }

    #[test]
    fn nested_tags_are_dropped_and_blocks_make_paragraphs() {
        let html =
            "<div><p>Le <b>marché <i>de Noël</i></b> ouvre.</p><p>Venez   nombreux\n !</p></div>";
        assert_eq!(to_text(html), "Le marché de Noël ouvre.\nVenez nombreux !");
        assert_eq!(
            to_text("<h2>Titre</h2><ul><li>un</li><li>deux</li></ul>"),
            "Titre\nun\ndeux"
        );
        assert_eq!(
            to_text("ligne 1<br>ligne 2<BR/>ligne 3<br />"),
            "ligne 1\nligne 2\nligne 3"
        );
        assert_eq!(to_text("<p></p><p>  </p><p>seul</p><p></p>"), "seul");
        assert_eq!(to_text("mot<span>collé</span>"), "motcollé");
        assert_eq!(to_text("<td>a</td><td>b</td>"), "a b");
    }

    #[test]
    fn scripts_styles_and_head_are_dropped() {
        let html = "<html><head><title>t</title><style>p{color:red}</style></head><body>\
                    <script type=\"text/javascript\">if (a < b) { alert('</p>'); }</script>\
                    <p>Bonjour</p><SCRIPT>x</SCRIPT ><!-- commentaire <p>caché</p> -->fin</body></html>";
        assert_eq!(to_text(html), "Bonjour\nfin");
        // A script left open hides the rest, as a browser would.
        assert_eq!(to_text("avant<script>tout le reste"), "avant");
        // An unclosed head hides nothing.
        assert_eq!(to_text("<head>visible"), "visible");
    }

    #[test]
    fn unclosed_and_broken_tags_do_not_leak_markup() {
        assert_eq!(to_text("Bonjour <b"), "Bonjour");
        assert_eq!(to_text("<p>Texte</p><a href=\"x"), "Texte");
        assert_eq!(to_text("<a title=\"1 > 0\">lien</a>"), "lien");
        assert_eq!(to_text("<!doctype html><?php echo ?>ok"), "ok");
        assert_eq!(to_text("<!-- jamais fermé"), "");
        assert_eq!(to_text("<>"), "<>");
        assert_eq!(to_text("<1>"), "<1>");
    }

    #[test]
    fn cdata_leftovers_are_unwrapped() {
        assert_eq!(to_text("<![CDATA[<p>Dedans</p>]]>"), "Dedans");
        assert_eq!(to_text("texte]]>"), "texte");
        assert_eq!(decode_entities("a]]>b &amp; c"), "ab & c");
    }

    #[test]
    fn stray_quote_does_not_swallow_the_rest() {
        let html = format!("<a href='x>un</a> {} deux", "mot ".repeat(1000));
        let text = to_text(&html);
        assert!(text.ends_with("mot deux"), "{text}");
        assert!(!text.contains('<'));
    }

    #[test]
    fn very_long_input_is_handled_in_linear_time() {
        let mut html = String::new();
        for _ in 0..100_000 {
            html.push_str("<p class=\"c\">&eacute;t&eacute; <b>chaud</b></p><a \"");
        }
        let start = std::time::Instant::now();
        let text = to_text(&html);
        assert!(start.elapsed() < std::time::Duration::from_secs(5));
        assert!(text.starts_with("été chaud\n"));
        assert!(!text.contains('<'));

        for hostile in [
            "<a ".repeat(200_000),
            "<a b=\">".repeat(200_000),
            "<a b='>".repeat(200_000),
            "<head>".repeat(200_000),
            "<script></scrip".repeat(100_000),
            "<!-".repeat(200_000),
            "&#".repeat(200_000),
            "<![CDATA[".repeat(200_000),
        ] {
            let start = std::time::Instant::now();
            let _ = to_text(&hostile);
            let _ = first_img_src(&hostile);
            assert!(
                start.elapsed() < std::time::Duration::from_secs(5),
                "{}",
                &hostile[..20]
            );
        }
    }

    #[test]
    fn never_panics_on_odd_input() {
        for input in [
            "",
            "<",
            "&",
            "&#",
            "&#x",
            "</",
            "<a",
            "<a ",
            "<a b=",
            "<a b='",
            "<img src=",
            "]]",
            "é<é>&é;",
            "<![CDATA[",
            "<script",
            "<script>",
            "</script>",
            "\u{0}\u{1}",
        ] {
            let _ = to_text(input);
            let _ = first_img_src(input);
            let _ = decode_entities(input);
        }
    }

    #[test]
    fn first_img_src_takes_the_first_real_picture() {
        assert_eq!(
            first_img_src("<p><img src=\"IMG_1232.jpeg\" /></p>").as_deref(),
            Some("IMG_1232.jpeg")
        );
        assert_eq!(
            first_img_src("<IMG alt='x > y' SRC='/a.png?x=1&amp;y=2'>").as_deref(),
            Some("/a.png?x=1&y=2")
        );
        assert_eq!(
            first_img_src("<img src=plain.jpg width=300>").as_deref(),
            Some("plain.jpg")
        );
        assert_eq!(
            first_img_src(
                "<img src=\"https://t.example/p.gif\" width=\"1\" height=\"1\">\
                 <img src=\"data:image/png;base64,AAAA\"><img data-src=\"lazy.webp\" src=\"\">"
            )
            .as_deref(),
            Some("lazy.webp")
        );
        assert_eq!(first_img_src("<script>'<img src=a.png>'</script>"), None);
        assert_eq!(first_img_src("<imgx src=a.png><p>no picture</p>"), None);
        assert_eq!(first_img_src("&lt;img src=a.png&gt;"), None);
    }

    #[test]
    fn attributes_are_read_tolerantly() {
        assert_eq!(attr(" a=1 b = \"2\" c='3' d", "b"), Some("2"));
        assert_eq!(attr(" a=1 b = \"2\" c='3' d", "C"), Some("3"));
        assert_eq!(attr(" a=1 b = \"2\" c='3' d", "d"), Some(""));
        assert_eq!(attr(" = = src", "src"), Some(""));
        assert_eq!(attr(" src=\"open", "src"), Some("open"));
        assert_eq!(attr(" / ", "src"), None);
    }
}
