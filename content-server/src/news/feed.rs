//! Reading RSS and Atom feeds into clean news items.
//!
//! Pure: bytes in, items out, no I/O. Feeds are hostile input, so nothing here panics on any
//! bytes, every string that comes out is bounded, and the work is linear in the feed's size
//! (which is itself capped by [`MAX_FEED_BYTES`]).

use encoding_rs::Encoding;
use feed_rs::model;
use jiff::Timestamp;
use sha2::{Digest, Sha256};
use url::Url;

use beffroi_protocol::html;

/// The largest feed read; a news feed is a few hundred kilobytes at most.
pub const MAX_FEED_BYTES: usize = 8 * 1024 * 1024;
/// The longest [`FeedItem::text`], in characters, the ellipsis included.
pub const TEXT_MAX_CHARS: usize = 600;
/// The longest title ([`Feed::title`], [`FeedItem::title`]), in characters.
pub const TITLE_MAX_CHARS: usize = 300;
/// The longest [`FeedItem::key`], in bytes; longer identities are hashed.
pub const KEY_MAX_BYTES: usize = 512;
/// The longest link or picture address kept, in bytes.
pub const URL_MAX_BYTES: usize = 2048;

/// A feed as read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Feed {
    /// Clean text; empty when the feed has no title.
    pub title: String,
    /// The site the feed belongs to: an absolute http(s) URL.
    pub link: Option<String>,
    /// The primary language subtag, lowercased ("fr", "en").
    pub language: Option<String>,
    pub items: Vec<FeedItem>,
}

/// One news item of a feed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedItem {
    /// Stable identity across re-imports: the entry's guid/id when present, else its resolved
    /// link, else "sha256:" and the hex digest of the title and published date. Never empty, at
    /// most [`KEY_MAX_BYTES`] bytes (longer ones are hashed the same way).
    pub key: String,
    /// Clean text (HTML stripped, entities decoded, whitespace collapsed), never empty: an
    /// entry without a usable title is skipped and counted in [`Parsed::skipped`].
    pub title: String,
    /// Clean text of the summary, else of the content; paragraphs separated by "\n"; cut at a
    /// word boundary to at most [`TEXT_MAX_CHARS`] characters, ending in "…" when cut. May be
    /// empty.
    pub text: String,
    /// Absolute http(s) URL (relative links resolved), or None.
    pub link: Option<String>,
    /// Absolute http(s) URL of the entry's picture: an image enclosure, media:content or
    /// media:thumbnail, else the first `<img src>` of the content or summary, resolved.
    pub image: Option<String>,
    /// Published instant, else updated, else None.
    pub published_at: Option<Timestamp>,
}

/// The outcome of reading a feed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parsed {
    pub feed: Feed,
    /// Entries left out for want of a usable title.
    pub skipped: usize,
}

/// Why a feed could not be read.
#[derive(Debug, thiserror::Error)]
pub enum FeedError {
    #[error("the feed is empty (0 bytes)")]
    Empty,
    #[error("the feed is too large ({size} bytes, at most {max} are read)", max = MAX_FEED_BYTES)]
    TooLarge { size: usize },
    #[error("unsupported character encoding \"{0}\"")]
    UnsupportedEncoding(String),
    /// The message of the underlying parser says what is wrong and where.
    #[error("not a valid RSS or Atom feed: {0}")]
    Invalid(String),
}

/// Reads an RSS (0.9x, 1.0, 2.0) or Atom feed.
///
/// `base`: the URL the feed was fetched from (None for an uploaded file); relative links are
/// resolved against the entry's xml:base, else the feed's own link, else `base`.
///
/// # Errors
///
/// When the bytes are empty, too large, in an unknown encoding, or not an RSS or Atom feed.
pub fn parse(bytes: &[u8], base: Option<&Url>) -> Result<Parsed, FeedError> {
    if bytes.is_empty() {
        return Err(FeedError::Empty);
    }
    if bytes.len() > MAX_FEED_BYTES {
        return Err(FeedError::TooLarge { size: bytes.len() });
    }
    let xml = for_feed_rs(&to_utf8(bytes)?);
    // An empty identifier marks an entry without one: feed-rs would otherwise make one up
    // from the link and title, which is not stable when a title is corrected.
    let parser = feed_rs::parser::Builder::new()
        .id_generator(|_, _, _| String::new())
        .sanitize_content(false)
        .build();
    // The XML reader under feed-rs asserts on an encoding change it cannot make; the input is
    // prepared so that it never has to, and a panic left somewhere else is still a bad feed,
    // not a crashed import.
    let parsed = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        parser.parse(xml.as_bytes())
    }))
    .map_err(|_| FeedError::Invalid("the XML parser gave up on this input".to_owned()))?
    .map_err(|e| FeedError::Invalid(e.to_string()))?;
    Ok(convert(parsed, base))
}

/// Turns feed-rs's model into ours.
fn convert(parsed: model::Feed, base: Option<&Url>) -> Parsed {
    let atom = parsed.feed_type == model::FeedType::Atom;
    let link = parsed
        .links
        .iter()
        .filter(|link| is_page_link(link))
        .find_map(|link| resolve(&link.href, base));
    // Links relative to nothing more precise are read against the site's own address.
    let feed_base = link.clone().or_else(|| base.cloned());

    let mut skipped = 0;
    let mut items = Vec::with_capacity(parsed.entries.len());
    for entry in &parsed.entries {
        match convert_entry(entry, atom, feed_base.as_ref()) {
            Some(item) => items.push(item),
            None => skipped += 1,
        }
    }

    let language = parsed
        .language
        .as_deref()
        .and_then(primary_language)
        .or_else(|| {
            parsed
                .entries
                .iter()
                .find_map(|entry| entry.language.as_deref().and_then(primary_language))
        });
    let title = parsed
        .title
        .as_ref()
        .map(|title| shorten(&clean_text(title, atom), TITLE_MAX_CHARS))
        .unwrap_or_default();
    Parsed {
        feed: Feed {
            title,
            link: link.map(String::from),
            language,
            items,
        },
        skipped,
    }
}

/// One entry, or None when it has no usable title.
fn convert_entry(entry: &model::Entry, atom: bool, feed_base: Option<&Url>) -> Option<FeedItem> {
    let title = entry
        .title
        .as_ref()
        .map(|title| shorten(&clean_text(title, atom), TITLE_MAX_CHARS))
        .filter(|title| !title.is_empty())?;

    let xml_base = entry_base(entry, atom, feed_base);
    let has_xml_base = xml_base.is_some();
    let base = xml_base.as_ref().or(feed_base);
    let summary = entry.summary.as_ref().map(|text| Body {
        html: &text.content,
        plain: atom && is_plain(text.content_type.as_str()),
    });
    let content = entry.content.as_ref().and_then(|content| {
        let mime = content.content_type.as_str();
        // feed-rs names Atom's xhtml "application/xhtml".
        let readable = mime.starts_with("text/") || mime.contains("html") || mime.ends_with("xml");
        readable.then_some(Body {
            html: content.body.as_deref()?,
            plain: atom && is_plain(mime),
        })
    });

    let text = [summary, content]
        .into_iter()
        .flatten()
        .map(|body| body.text())
        .find(|text| !text.is_empty())
        .map(|text| shorten(&text, TEXT_MAX_CHARS))
        .unwrap_or_default();
    let link = entry
        .links
        .iter()
        .filter(|link| is_page_link(link))
        .find_map(|link| resolve(&link.href, base));
    // A picture given by a path relative to nothing declared is most often next to the
    // article (a page bundle), so the entry's own page comes before the site's address.
    let picture_base = if has_xml_base {
        base
    } else {
        link.as_ref().or(base)
    };
    let image = media_image(entry, base).or_else(|| {
        [content, summary]
            .into_iter()
            .flatten()
            .filter(|body| !body.plain)
            .find_map(|body| resolve(&html::first_img_src(body.html)?, picture_base))
    });
    let published_at = entry.published.or(entry.updated).and_then(|at| {
        Timestamp::new(at.timestamp(), at.timestamp_subsec_nanos().try_into().ok()?)
            .or_else(|_| Timestamp::from_second(at.timestamp()))
            .ok()
    });

    let id = entry.id.trim();
    let key = if !id.is_empty() {
        id.to_owned()
    } else if let Some(link) = &link {
        link.as_str().to_owned()
    } else {
        let published = published_at.map(|at| at.to_string()).unwrap_or_default();
        hashed(&format!("{title}\n{published}"))
    };
    let key = if key.len() > KEY_MAX_BYTES {
        hashed(&key)
    } else {
        key
    };

    Some(FeedItem {
        key,
        title,
        text,
        link: link.map(String::from),
        image: image.map(String::from),
        published_at,
    })
}

/// A summary or content body and how to read it.
#[derive(Clone, Copy)]
struct Body<'a> {
    html: &'a str,
    /// Atom's `type="text"`: the text as written, where a `<` is a character, not a tag.
    plain: bool,
}

impl Body<'_> {
    fn text(&self) -> String {
        if self.plain {
            collapse_whitespace(self.html)
        } else {
            html::to_text(self.html)
        }
    }
}

/// Clean text of a title. RSS titles are declared plain text but carry entities and markup in
/// practice, so only Atom's explicit `type="text"` is taken as written.
fn clean_text(text: &model::Text, atom: bool) -> String {
    Body {
        html: &text.content,
        plain: atom && is_plain(text.content_type.as_str()),
    }
    .text()
}

fn is_plain(mime: &str) -> bool {
    mime.eq_ignore_ascii_case("text/plain")
}

fn collapse_whitespace(text: &str) -> String {
    text.split_whitespace()
        .filter(|word| !word.chars().all(char::is_control))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The base an entry's relative links are resolved against: its xml:base, which feed-rs
/// exposes as `Entry::base` for Atom (from the content element) and as the content's `src` for
/// RSS's content:encoded.
fn entry_base(entry: &model::Entry, atom: bool, feed_base: Option<&Url>) -> Option<Url> {
    let raw = if atom {
        entry.base.as_deref()?
    } else {
        &entry.content.as_ref()?.src.as_ref()?.href
    };
    resolve(raw, feed_base)
}

/// Whether a link points at the page of the feed or entry (not its comments, feed or
/// enclosures).
fn is_page_link(link: &model::Link) -> bool {
    link.target.is_none()
        && link
            .rel
            .as_deref()
            .is_none_or(|rel| rel.eq_ignore_ascii_case("alternate"))
}

/// The picture among an entry's media: an image enclosure or media:content first, then an
/// Atom image enclosure link, then a thumbnail.
fn media_image(entry: &model::Entry, base: Option<&Url>) -> Option<Url> {
    let contents = entry.media.iter().flat_map(|media| &media.content);
    let content = contents
        .filter(|content| {
            let url = content.url.as_ref().map_or("", Url::path);
            match &content.content_type {
                Some(mime) => mime.as_str().to_ascii_lowercase().starts_with("image/"),
                None => has_image_extension(url),
            }
        })
        .find_map(|content| resolve(content.url.as_ref()?.as_str(), base));
    let enclosure = || {
        entry
            .links
            .iter()
            .filter(|link| {
                link.rel.as_deref() == Some("enclosure")
                    && link
                        .media_type
                        .as_deref()
                        .is_some_and(|mime| mime.to_ascii_lowercase().starts_with("image/"))
            })
            .find_map(|link| resolve(&link.href, base))
    };
    let thumbnail = || {
        entry
            .media
            .iter()
            .flat_map(|media| &media.thumbnails)
            .find_map(|thumbnail| resolve(&thumbnail.image.uri, base))
    };
    content.or_else(enclosure).or_else(thumbnail)
}

fn has_image_extension(path: &str) -> bool {
    let extension = path.rsplit_once('.').map_or("", |(_, extension)| extension);
    ["jpg", "jpeg", "png", "gif", "webp", "avif"]
        .iter()
        .any(|known| extension.eq_ignore_ascii_case(known))
}

/// An absolute http(s) URL from `href`, resolved against `base` when relative.
fn resolve(href: &str, base: Option<&Url>) -> Option<Url> {
    let href = href.trim();
    if href.is_empty() || href.len() > URL_MAX_BYTES {
        return None;
    }
    let url = match Url::parse(href) {
        Ok(url) => url,
        Err(url::ParseError::RelativeUrlWithoutBase) => base?.join(href).ok()?,
        Err(_) => return None,
    };
    let web = matches!(url.scheme(), "http" | "https") && url.host().is_some();
    (web && url.as_str().len() <= URL_MAX_BYTES).then_some(url)
}

/// "fr" from "fr-FR", "pt" from "pt-br"; None for anything that is not a language tag.
fn primary_language(tag: &str) -> Option<String> {
    let primary = tag.trim().split(['-', '_']).next()?;
    let valid =
        (2..=8).contains(&primary.len()) && primary.bytes().all(|b| b.is_ascii_alphabetic());
    valid.then(|| primary.to_ascii_lowercase())
}

/// `text` cut at a word boundary to at most `max` characters, "…" included, when longer.
fn shorten(text: &str, max: usize) -> String {
    let Some((cut, _)) = text.char_indices().nth(max) else {
        return text.to_owned();
    };
    // Keep one character free for the ellipsis.
    let cut = text[..cut].char_indices().last().map_or(0, |(i, _)| i);
    let head = &text[..cut];
    let head = if text[cut..].starts_with(char::is_whitespace) {
        head
    } else {
        match head.rfind(char::is_whitespace) {
            Some(space) if space > 0 => &head[..space],
            _ => head,
        }
    };
    let head = head.trim_end_matches(|c: char| {
        c.is_whitespace() || matches!(c, ',' | ';' | ':' | '-' | '–' | '—')
    });
    format!("{head}…")
}

fn hashed(text: &str) -> String {
    format!("sha256:{}", hex::encode(Sha256::digest(text.as_bytes())))
}

/// The feed decoded to UTF-8, from its byte order mark, else its XML declaration, else UTF-8
/// (or windows-1252 when the bytes are not UTF-8).
///
/// feed-rs decodes the declared encoding itself, but only when the declaration fits in the
/// 64 bytes its XML reader looks ahead (a longer one reads as "no root element"), and a second
/// declaration further on makes that reader panic. So the feed is decoded here, and feed-rs is
/// given UTF-8 that declares nothing (see [`for_feed_rs`]).
fn to_utf8(bytes: &[u8]) -> Result<String, FeedError> {
    let (encoding, bom) = match Encoding::for_bom(bytes) {
        Some(found) => found,
        None => (sniff_encoding(bytes)?, 0),
    };
    let bytes = &bytes[bom..];
    // XML without a declaration is UTF-8, but hand-written feeds are often windows-1252 then.
    let encoding = if encoding == encoding_rs::UTF_8
        && declared_encoding(bytes).is_none()
        && std::str::from_utf8(bytes).is_err()
    {
        encoding_rs::WINDOWS_1252
    } else {
        encoding
    };
    let (text, _) = encoding.decode_without_bom_handling(bytes);
    Ok(text.into_owned())
}

/// Decoded feed text made safe and complete for feed-rs.
fn for_feed_rs(text: &str) -> String {
    prepared(&without_declared_encoding(text))
}

/// Elements whose text is changed before feed-rs reads it.
const PREPARED: [(&str, Prepare); 8] = [
    ("description", Prepare::WrapMarkup),
    ("content:encoded", Prepare::WrapMarkup),
    ("author", Prepare::Empty),
    ("managingEditor", Prepare::Empty),
    ("webMaster", Prepare::Empty),
    ("dc:creator", Prepare::Empty),
    ("itunes:author", Prepare::Empty),
    ("itunes:name", Prepare::Empty),
];

#[derive(Clone, Copy)]
enum Prepare {
    /// Feeds often put unescaped HTML in `<description>` (`But what <em>is</em> good?`), and
    /// feed-rs keeps only the text before the first tag: wrapping the markup in a CDATA section
    /// keeps the rest, then read as HTML like an escaped description.
    WrapMarkup,
    /// feed-rs panics on an author whose e-mail address touches a character of more than one
    /// byte (`«redaction@ville.fr»`); authors are not shown, so their text goes.
    Empty,
}

/// `xml` with the text of the [`PREPARED`] elements changed as they say. Elements are found as
/// written, without attributes, which is how feeds write them.
fn prepared(xml: &str) -> String {
    let opens = PREPARED.map(|(name, _)| format!("<{name}>"));
    let closes = PREPARED.map(|(name, _)| format!("</{name}>"));
    let mut out = String::with_capacity(xml.len() + 64);
    // Everything before `pos` is copied; `next` holds where each element next opens, searched
    // again only once passed, so that the whole takes linear time.
    let mut pos = 0;
    let mut next = opens.each_ref().map(|open| xml.find(open.as_str()));
    loop {
        for (next, open) in next.iter_mut().zip(&opens) {
            if next.is_some_and(|at| at < pos) {
                *next = xml[pos..].find(open.as_str()).map(|at| pos + at);
            }
        }
        let Some((open_at, i)) = next
            .iter()
            .enumerate()
            .filter_map(|(i, at)| Some(((*at)?, i)))
            .min()
        else {
            break;
        };
        let inner_at = open_at + opens[i].len();
        let Some(len) = xml[inner_at..].find(closes[i].as_str()) else {
            // Unclosed: the document is broken and feed-rs will say so; nothing further is
            // looked for, which keeps this linear.
            break;
        };
        let inner = &xml[inner_at..inner_at + len];
        out.push_str(&xml[pos..inner_at]);
        match PREPARED[i].1 {
            Prepare::WrapMarkup => {
                let has_element = inner
                    .as_bytes()
                    .windows(2)
                    .any(|w| w[0] == b'<' && (w[1].is_ascii_alphabetic() || w[1] == b'/'));
                if has_element && !inner.contains("<![CDATA[") && !inner.contains("]]>") {
                    out.push_str("<![CDATA[");
                    out.push_str(inner);
                    out.push_str("]]>");
                } else {
                    out.push_str(inner);
                }
            }
            Prepare::Empty => {}
        }
        pos = inner_at + len;
    }
    out.push_str(&xml[pos..]);
    out
}

/// The encoding of a feed without a byte order mark.
fn sniff_encoding(bytes: &[u8]) -> Result<&'static Encoding, FeedError> {
    match bytes {
        [b'<', 0, ..] => return Ok(encoding_rs::UTF_16LE),
        [0, b'<', ..] => return Ok(encoding_rs::UTF_16BE),
        _ => {}
    }
    let Some(label) = declared_encoding(bytes) else {
        return Ok(encoding_rs::UTF_8);
    };
    match Encoding::for_label_no_replacement(label.as_bytes()) {
        // The declaration was read in ASCII, so it cannot really be UTF-16: read the bytes as
        // UTF-8, as browsers do.
        Some(encoding)
            if encoding == encoding_rs::UTF_16LE || encoding == encoding_rs::UTF_16BE =>
        {
            Ok(encoding_rs::UTF_8)
        }
        Some(encoding) => Ok(encoding),
        None => Err(FeedError::UnsupportedEncoding(
            label.chars().take(64).collect(),
        )),
    }
}

/// The `encoding` of the XML declaration, when there is one.
fn declared_encoding(bytes: &[u8]) -> Option<String> {
    let head = &bytes[..bytes.len().min(1024)];
    let start = head.iter().position(|b| !b.is_ascii_whitespace())?;
    let decl = &head[start..];
    if !decl.starts_with(b"<?xml") || !decl.get(5).is_some_and(u8::is_ascii_whitespace) {
        return None;
    }
    let end = decl.windows(2).position(|w| w == b"?>")?;
    let decl = &decl[..end];
    let at = decl.windows(8).position(|w| w == b"encoding")? + 8;
    let rest = decl[at..]
        .trim_ascii_start()
        .strip_prefix(b"=")?
        .trim_ascii_start();
    let (&quote, rest) = rest.split_first()?;
    if quote != b'"' && quote != b'\'' {
        return None;
    }
    let len = rest.iter().position(|&b| b == quote)?;
    Some(String::from_utf8_lossy(rest[..len].trim_ascii()).into_owned())
}

/// `text` with its XML declarations made harmless: the one opening the document replaced by
/// one that names no encoding, any later one removed.
///
/// A declaration is only valid first, but feed-rs's XML reader acts on one met anywhere, and
/// panics when it names another encoding. Later ones are removed even inside CDATA sections and
/// comments, which a broken document may not delimit the way the reader does; shown text loses
/// nothing, as a declaration in HTML is dropped as a processing instruction anyway.
fn without_declared_encoding(text: &str) -> String {
    let text = text.trim_start_matches(|c: char| c.is_whitespace() || c == '\u{FEFF}');
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    let mut from = 0;
    // Once no "?>" follows some point, none follows any later one: not searching again keeps
    // a run of unclosed declarations linear.
    let mut ends_left = true;
    while let Some(found) = find(&bytes[from..], b"<?xml") {
        let at = from + found;
        from = at + 5;
        if !bytes
            .get(from)
            .is_none_or(|&b| b.is_ascii_whitespace() || b == b'?')
        {
            continue;
        }
        out.push_str(&text[copied..at]);
        if at == 0 {
            out.push_str("<?xml version=\"1.0\"?>");
        }
        // Without its end, removing "<?xml" is enough for it not to be read as a declaration.
        match ends_left.then(|| find(&bytes[from..], b"?>")).flatten() {
            Some(end) => from += end + 2,
            None => ends_left = false,
        }
        copied = from;
    }
    out.push_str(&text[copied..]);
    out
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(name: &str) -> Vec<u8> {
        let path = std::path::Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../shared/samples/feeds"
        ))
        .join(name);
        std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    }

    fn read(name: &str) -> Parsed {
        parse(&sample(name), None).unwrap_or_else(|e| panic!("{name}: {e}"))
    }

    fn at(text: &str) -> Option<Timestamp> {
        Some(text.parse().unwrap())
    }

    fn assert_clean(parsed: &Parsed) {
        for item in &parsed.feed.items {
            for text in [&item.title, &item.text] {
                assert!(
                    !text.contains('<') && !text.contains("&lt;") && !text.contains("&amp;"),
                    "{text:?}"
                );
                assert_eq!(text.trim(), text);
            }
            assert!(!item.key.is_empty() && item.key.len() <= KEY_MAX_BYTES);
        }
    }

    #[test]
    fn atom_example_reads_xhtml_content_and_the_published_date() {
        let parsed = read("atom_example_1.xml");
        assert_clean(&parsed);
        assert_eq!(parsed.skipped, 0);
        let feed = &parsed.feed;
        assert_eq!(feed.title, "dive into mark");
        assert_eq!(feed.link.as_deref(), Some("http://example.org/"));
        // The feed has no language of its own; the entry's content says xml:lang="en".
        assert_eq!(feed.language.as_deref(), Some("en"));
        assert_eq!(feed.items.len(), 1);
        let item = &feed.items[0];
        assert_eq!(item.key, "tag:example.org,2003:3.2397");
        assert_eq!(item.title, "Atom draft-07 snapshot");
        assert_eq!(item.text, "[Update: The Atom draft is finished.]");
        assert_eq!(
            item.link.as_deref(),
            Some("http://example.org/2005/04/02/atom")
        );
        // The only enclosure is audio.
        assert_eq!(item.image, None);
        // Published 2003-12-13T08:29:29-04:00 wins over updated.
        assert_eq!(item.published_at, at("2003-12-13T12:29:29Z"));
    }

    #[test]
    fn atom_xml_base_resolves_the_content_picture() {
        let parsed = read("atom_xml_base.xml");
        assert_clean(&parsed);
        let feed = &parsed.feed;
        assert_eq!(feed.title, "my cool website title");
        assert_eq!(feed.link, None);
        assert_eq!(feed.language, None);
        assert_eq!(feed.items.len(), 1);
        let item = &feed.items[0];
        assert_eq!(item.key, "https://numi.st/post/2022/travel-uke");
        assert_eq!(item.title, "my cool entry title");
        // The content is a picture only.
        assert_eq!(item.text, "");
        assert_eq!(item.link, None);
        assert_eq!(
            item.image.as_deref(),
            Some("https://numi.st/post/2022/travel-uke/IMG_1232.jpeg")
        );
        assert_eq!(item.published_at, at("2022-04-21T00:00:00Z"));
    }

    #[test]
    fn rss1_iso8859_decodes_umlauts_and_skips_the_tracking_pixel() {
        let parsed = read("rss_1.0_iso8859.xml");
        assert_clean(&parsed);
        let feed = &parsed.feed;
        assert_eq!(feed.title, "Golem.de");
        assert_eq!(feed.link.as_deref(), Some("https://www.golem.de/"));
        assert_eq!(feed.language, None);
        assert_eq!(feed.items.len(), 1);
        let item = &feed.items[0];
        let page = "https://www.golem.de/news/digitalministerium-neue-glasfaserfoerderung-mit-schnellkasse-2301-171451.html";
        // RSS 1.0 items have no guid: the link is the key.
        assert_eq!(item.key, page);
        assert_eq!(item.link.as_deref(), Some(page));
        assert_eq!(
            item.title,
            "Digitalministerium: Neue Glasfaserförderung mit Schnellkasse"
        );
        assert_eq!(
            item.text,
            "Ab April soll es wieder Förderung für den Ausbau von Glasfaser geben. Das \
             Bundesdigitalministerium will es diesmal besser machen. (Infrastruktur, Glasfaser)"
        );
        assert_eq!(
            item.image.as_deref(),
            Some("https://www.golem.de/2301/171451-364223-364219_rc.jpg")
        );
        assert_eq!(item.published_at, at("2023-01-25T18:03:02Z"));
    }

    #[test]
    fn rss2_iso8859_decodes_portuguese_accents() {
        let parsed = read("rss_2.0_encoding_1.xml");
        assert_clean(&parsed);
        let feed = &parsed.feed;
        assert_eq!(feed.title, "RSS Feed do Site Inovação Tecnológica");
        assert_eq!(
            feed.link.as_deref(),
            Some("https://www.inovacaotecnologica.com.br/")
        );
        assert_eq!(feed.language.as_deref(), Some("pt"));
        assert_eq!(feed.items.len(), 1);
        let item = &feed.items[0];
        let page = "https://www.inovacaotecnologica.com.br/noticias/noticia.php?artigo=revolucao-telas-pontos-quanticos-impressos-3d&id=010150200813";
        assert_eq!(item.key, page);
        assert_eq!(item.link.as_deref(), Some(page));
        assert_eq!(
            item.title,
            "Revolução nas telas com pontos quânticos impressos em 3D"
        );
        assert_eq!(
            item.text,
            "A nova tecnologia permitiu criar as três cores primárias em 5.600 PPI, excedendo em \
             muito as TVs QLED de 8K, que têm 100 PPI."
        );
        assert_eq!(
            item.image.as_deref(),
            Some(
                "https://www.inovacaotecnologica.com.br/noticias/mini/010150200813-mini-tela-nanofotonica-3.jpg"
            )
        );
        assert_eq!(item.published_at, at("2020-08-13T09:57:55Z"));
    }

    #[test]
    fn rss2_truncated_feed_is_an_error_naming_the_problem() {
        let error = parse(&sample("rss_2.0_invalid_1.xml"), None).unwrap_err();
        assert!(matches!(error, FeedError::Invalid(_)), "{error:?}");
        let message = error.to_string();
        assert!(
            message.starts_with("not a valid RSS or Atom feed: "),
            "{message}"
        );
        // The file stops after a comment, with the channel still open.
        assert!(message.contains("end of input"), "{message}");
    }

    #[test]
    fn rss2_relative_urls_and_utf8_authors() {
        let parsed = read("rss_2.0_relurl_1.xml");
        assert_clean(&parsed);
        let feed = &parsed.feed;
        assert_eq!(feed.title, "Insanity Industries");
        assert_eq!(feed.link.as_deref(), Some("https://insanity.industries/"));
        assert_eq!(feed.language.as_deref(), Some("en"));
        assert_eq!(feed.items.len(), 2);
        let first = &feed.items[0];
        assert_eq!(
            first.key,
            "https://insanity.industries/post/pareto-optimal-compression/"
        );
        assert_eq!(first.title, "Pareto-optimal compression");
        assert_eq!(
            first.text,
            "Everyone wants good compression. But what exactly is good compression? Time for a closer look."
        );
        assert_eq!(
            first.link.as_deref(),
            Some("https://insanity.industries/post/pareto-optimal-compression/")
        );
        assert_eq!(first.image, None);
        assert_eq!(first.published_at, at("2021-03-02T22:39:15Z"));
        let second = &feed.items[1];
        assert_eq!(
            second.key,
            "https://insanity.industries/post/pacman-tracking-leftover-packages/"
        );
        assert_eq!(second.title, "Tracking leftover packages with pacman");
        assert!(
            second
                .text
                .starts_with("Package managers take care of resolving dependencies")
        );
        assert_eq!(second.published_at, at("2021-02-13T00:00:00Z"));
    }

    #[test]
    fn relative_links_use_xml_base_then_feed_link_then_fetch_url() {
        let xml = br#"<?xml version="1.0"?>
            <rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel>
              <title>Mairie</title><link>/actualites/</link>
              <item><title>A</title><link>a.html</link>
                <description>&lt;img src="img/a.jpg"&gt;</description></item>
              <item xml:base="https://cdn.example.org/b/"><title>B</title><link>b.html</link>
                <content:encoded><![CDATA[<img src="b.jpg">]]></content:encoded></item>
            </channel></rss>"#;
        let fetched = Url::parse("https://mairie.example.fr/rss.xml").unwrap();
        let feed = parse(xml, Some(&fetched)).unwrap().feed;
        assert_eq!(
            feed.link.as_deref(),
            Some("https://mairie.example.fr/actualites/")
        );
        let [a, b] = &feed.items[..] else {
            panic!("{feed:?}")
        };
        assert_eq!(
            a.link.as_deref(),
            Some("https://mairie.example.fr/actualites/a.html")
        );
        // Relative to the article's page, which stands in the same folder here.
        assert_eq!(
            a.image.as_deref(),
            Some("https://mairie.example.fr/actualites/img/a.jpg")
        );
        assert_eq!(b.link.as_deref(), Some("https://cdn.example.org/b/b.html"));
        assert_eq!(b.image.as_deref(), Some("https://cdn.example.org/b/b.jpg"));

        // Without a fetch URL or an absolute site link, relative links are dropped.
        let feed = parse(xml, None).unwrap().feed;
        assert_eq!(feed.link, None);
        assert_eq!(feed.items[0].link, None);
        assert_eq!(feed.items[0].image, None);
        assert_eq!(
            feed.items[1].link.as_deref(),
            Some("https://cdn.example.org/b/b.html")
        );
    }

    #[test]
    fn pictures_without_xml_base_are_read_next_to_their_article() {
        let xml = br#"<rss version="2.0"><channel><title>Blog</title><link>https://blog.example/</link>
              <item><title>Billet</title><link>https://blog.example/post/uke/</link>
                <description>&lt;img src="uke.jpg"&gt; &lt;img src="/logo.png"&gt;</description></item>
            </channel></rss>"#;
        let item = &parse(xml, None).unwrap().feed.items[0];
        assert_eq!(
            item.image.as_deref(),
            Some("https://blog.example/post/uke/uke.jpg")
        );
    }

    #[test]
    fn only_web_links_are_kept() {
        let xml = br#"<rss version="2.0"><channel><title>t</title>
              <item><title>A</title><link>javascript:alert(1)</link>
                <enclosure url="file:///etc/passwd" type="image/png" length="1"/></item>
              <item><title>B</title><link>mailto:x@example.org</link>
                <enclosure url="https://example.org/p.png" type="image/png" length="1"/></item>
            </channel></rss>"#;
        let feed = parse(xml, None).unwrap().feed;
        assert_eq!(feed.items[0].link, None);
        assert_eq!(feed.items[0].image, None);
        assert_eq!(feed.items[1].link, None);
        assert_eq!(
            feed.items[1].image.as_deref(),
            Some("https://example.org/p.png")
        );
    }

    #[test]
    fn media_pictures_come_before_pictures_in_the_text() {
        let xml = br#"<rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/"><channel><title>t</title>
              <item><title>Vid</title><media:content url="https://v.example/x.mp4" type="video/mp4"/>
                <media:thumbnail url="https://v.example/x.jpg"/>
                <description>&lt;img src="https://v.example/inline.jpg"&gt;</description></item>
              <item><title>Pic</title><media:content url="https://v.example/big.JPG"/>
                <media:thumbnail url="https://v.example/small.jpg"/></item>
            </channel></rss>"#;
        let feed = parse(xml, None).unwrap().feed;
        assert_eq!(
            feed.items[0].image.as_deref(),
            Some("https://v.example/x.jpg")
        );
        assert_eq!(
            feed.items[1].image.as_deref(),
            Some("https://v.example/big.JPG")
        );
    }

    #[test]
    fn entries_without_a_title_are_skipped_and_keys_fall_back_to_a_hash() {
        let xml = br#"<rss version="2.0"><channel><title>t</title>
              <item><description>no title</description></item>
              <item><title>  &lt;b&gt;&lt;/b&gt; </title></item>
              <item><title>Sans lien</title><pubDate>Mon, 01 Dec 2025 08:00:00 +0100</pubDate></item>
              <item><title>Sans lien</title></item>
            </channel></rss>"#;
        let parsed = parse(xml, None).unwrap();
        assert_eq!(parsed.skipped, 2);
        let [dated, undated] = &parsed.feed.items[..] else {
            panic!("{parsed:?}")
        };
        assert_eq!(dated.key, hashed("Sans lien\n2025-12-01T07:00:00Z"));
        assert_eq!(undated.key, hashed("Sans lien\n"));
        assert!(dated.key.starts_with("sha256:") && dated.key.len() == 7 + 64);
        // The same feed read again gives the same keys.
        assert_eq!(parse(xml, None).unwrap(), parsed);
    }

    #[test]
    fn long_guids_are_hashed() {
        let guid = "g".repeat(600);
        let xml = format!(
            r#"<rss version="2.0"><channel><item><title>T</title><guid>{guid}</guid></item></channel></rss>"#
        );
        let item = &parse(xml.as_bytes(), None).unwrap().feed.items[0];
        assert_eq!(item.key, hashed(&guid));
    }

    #[test]
    fn long_texts_are_cut_at_a_word_boundary() {
        let description = "Lorem ipsum dolor sit amet, ".repeat(40);
        let xml = format!(
            r#"<rss version="2.0"><channel><item><title>T</title><description>{description}</description></item></channel></rss>"#
        );
        let item = &parse(xml.as_bytes(), None).unwrap().feed.items[0];
        assert!(item.text.chars().count() <= TEXT_MAX_CHARS);
        assert!(item.text.chars().count() > TEXT_MAX_CHARS - 20);
        assert!(item.text.ends_with("…"));
        let words = item.text.trim_end_matches('…');
        assert!(
            description.starts_with(words) && description[words.len()..].starts_with([' ', ',']),
            "{words:?}"
        );

        assert_eq!(shorten("court", 600), "court");
        assert_eq!(shorten("un deux trois", 8), "un deux…");
        assert_eq!(shorten("un deux, trois", 9), "un deux…");
        assert_eq!(shorten("anticonstitutionnellement", 6), "antic…");
        assert_eq!(shorten("éééééééé", 4), "ééé…");
    }

    #[test]
    fn raw_markup_in_descriptions_is_kept() {
        let xml = br#"<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel>
            <item><title>A</title><description>Un <b>gras</b> <img src="https://x.example/a.png"/> fin</description></item>
            <item><title>B</title><description><![CDATA[<p>d&eacute;j&agrave;</p>]]></description>
              <content:encoded><p>Contenu <i>riche</i></p></content:encoded></item>
            <item><title>C</title><description>a &lt; b &amp;amp; c</description></item>
            </channel></rss>"#;
        let feed = parse(xml, None).unwrap().feed;
        assert_eq!(feed.items[0].text, "Un gras fin");
        assert_eq!(
            feed.items[0].image.as_deref(),
            Some("https://x.example/a.png")
        );
        assert_eq!(feed.items[1].text, "déjà");
        assert_eq!(feed.items[2].text, "a < b & c");
        assert_eq!(
            prepared("<description>a <b>b</b></description><content:encoded>x</content:encoded>"),
            "<description><![CDATA[a <b>b</b>]]></description><content:encoded>x</content:encoded>"
        );
        assert_eq!(prepared("<description>open"), "<description>open");
        let many = "<description>x</description>".repeat(100_000);
        let start = std::time::Instant::now();
        assert_eq!(prepared(&many), many);
        assert!(start.elapsed() < std::time::Duration::from_secs(2));
    }

    #[test]
    fn authors_next_to_wide_characters_do_not_break_the_feed() {
        // feed-rs slices one byte past the e-mail address it finds, inside the "»".
        let xml = "<rss version=\"2.0\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\"><channel>\
            <managingEditor>«redaction@ville.fr»</managingEditor>\
            <item><title>T</title><author>«redaction@ville.fr»</author>\
            <dc:creator>Rédaction—redaction@ville.fr</dc:creator></item></channel></rss>";
        let parsed = parse(xml.as_bytes(), None).unwrap();
        assert_eq!(parsed.feed.items[0].title, "T");
    }

    #[test]
    fn declarations_anywhere_stay_linear() {
        let hostile = "<?xml ".repeat(200_000);
        let start = std::time::Instant::now();
        let cleaned = without_declared_encoding(&hostile);
        assert!(cleaned.starts_with("<?xml version=\"1.0\"?> ") && !cleaned[5..].contains("<?xml"));
        assert!(start.elapsed() < std::time::Duration::from_secs(2));
        assert_eq!(
            without_declared_encoding(
                "\u{FEFF} <?xml version='1.0' encoding='latin1'?><a><?xml-stylesheet x?><?xml?></a>"
            ),
            "<?xml version=\"1.0\"?><a><?xml-stylesheet x?></a>"
        );
    }

    #[test]
    fn paragraphs_are_kept_as_lines() {
        let xml = br#"<rss version="2.0"><channel><item><title>T</title>
            <description>&lt;p&gt;Un.&lt;/p&gt;&lt;p&gt;Deux &amp;amp; trois.&lt;/p&gt;</description></item></channel></rss>"#;
        assert_eq!(
            parse(xml, None).unwrap().feed.items[0].text,
            "Un.\nDeux & trois."
        );
    }

    #[test]
    fn atom_plain_text_is_taken_as_written() {
        let xml = br#"<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="fr-FR"><title>Ville</title>
              <entry><id>e1</id><title type="text">Le &lt;div&gt; reste</title>
                <summary type="text">a  &lt; b</summary><updated>2025-01-01T00:00:00Z</updated></entry>
            </feed>"#;
        let feed = parse(xml, None).unwrap().feed;
        assert_eq!(feed.language.as_deref(), Some("fr"));
        assert_eq!(feed.items[0].title, "Le <div> reste");
        assert_eq!(feed.items[0].text, "a < b");
        // Only updated: it stands for the publication.
        assert_eq!(feed.items[0].published_at, at("2025-01-01T00:00:00Z"));
    }

    #[test]
    fn encodings_are_decoded_before_feed_rs_sees_them() {
        // A declaration longer than feed-rs's 64-byte look-ahead, and a Latin-1 letter early on.
        let mut xml = b"<?xml version=\"1.0\" standalone=\"yes\"      encoding=\"windows-1252\"  ?><rss version=\"2.0\"><channel><title>F\xeate \x96 \x80</title>".to_vec();
        xml.extend_from_slice(b"<item><title>No\xebl</title></item></channel></rss>");
        let feed = parse(&xml, None).unwrap().feed;
        assert_eq!(feed.title, "Fête – €");
        assert_eq!(feed.items[0].title, "Noël");

        // UTF-16 with a byte order mark.
        let text = "<?xml version=\"1.0\" encoding=\"UTF-16\"?><rss version=\"2.0\"><channel><title>Été</title></channel></rss>";
        let mut utf16 = vec![0xFF, 0xFE];
        utf16.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
        assert_eq!(parse(&utf16, None).unwrap().feed.title, "Été");

        // A UTF-8 byte order mark, leading blank lines.
        let bom = b"\xEF\xBB\xBF\n\n<?xml version='1.0' encoding='utf-8'?><rss version=\"2.0\"><channel><title>\xC3\xA9t\xC3\xA9</title></channel></rss>";
        assert_eq!(parse(bom, None).unwrap().feed.title, "été");

        // A second declaration further on, which feed-rs's XML reader would act on and panic.
        let mut second = b"<rss version=\"2.0\"><channel><title>T</title>".to_vec();
        second.extend_from_slice(&[b' '; 100]);
        second.extend_from_slice(
            b"<?xml version='1.0' encoding='latin1'?><item><title>x</title></item>",
        );
        second.extend_from_slice(
            b"<item><title><![CDATA[a <?xml encoding='latin1'?> b]]></title></item></channel></rss>",
        );
        let feed = parse(&second, None).unwrap().feed;
        assert_eq!(feed.items.len(), 2);
        assert_eq!(feed.items[0].title, "x");
        assert_eq!(feed.items[1].title, "a b");

        // No declaration and bytes that are not UTF-8: read as windows-1252.
        let bare = b"<rss version=\"2.0\"><channel><title>caf\xe9</title></channel></rss>";
        assert_eq!(parse(bare, None).unwrap().feed.title, "café");
    }

    #[test]
    fn errors_name_the_problem() {
        assert_eq!(
            parse(b"", None).unwrap_err().to_string(),
            "the feed is empty (0 bytes)"
        );
        let unknown = br#"<?xml version="1.0" encoding="x-klingon"?><rss version="2.0"/>"#;
        assert_eq!(
            parse(unknown, None).unwrap_err().to_string(),
            "unsupported character encoding \"x-klingon\""
        );
        let html = b"<!DOCTYPE html><html><body>Not a feed</body></html>";
        let message = parse(html, None).unwrap_err().to_string();
        assert!(
            message.starts_with("not a valid RSS or Atom feed: "),
            "{message}"
        );
        let big = vec![b' '; MAX_FEED_BYTES + 1];
        assert!(matches!(parse(&big, None), Err(FeedError::TooLarge { .. })));
    }

    #[test]
    fn no_panics_on_odd_bytes() {
        let inputs: [&[u8]; 12] = [
            b" ",
            b"<",
            b"<?xml",
            b"<?xml version='1.0' encoding=",
            b"<?xml version='1.0' encoding='?>",
            b"\xFF\xFE<\x00",
            b"\xFE\xFF\x00<",
            b"<\x00r\x00s\x00s\x00",
            b"<rss version=\"2.0\"><channel><item><title>\xFF</title><link>http://[::1</link></item></channel></rss>",
            b"<feed xmlns=\"http://www.w3.org/2005/Atom\"><entry><title type=\"html\">&amp;</title><content xml:base=\"::\" type=\"html\">&lt;img src=x&gt;</content></entry></feed>",
            b"{\"version\": \"https://jsonfeed.org/version/1.1\", \"items\": []}",
            &[0u8; 100],
        ];
        for input in inputs {
            let _ = parse(input, None);
            let _ = parse(input, Some(&Url::parse("https://example.org/").unwrap()));
        }
    }

    /// Mutated samples (cut, bytes changed, tricky pieces inserted) never make feed-rs panic
    /// once prepared, so the `catch_unwind` in `parse` stays a backstop.
    #[test]
    fn mutated_samples_never_make_feed_rs_panic() {
        let pieces: [&[u8]; 16] = [
            b"<",
            b">",
            b"&",
            b"\"",
            b"'",
            b"<![CDATA[",
            b"]]>",
            b"xml:base=\"::\"",
            b"<description>",
            b"</description>",
            b"\xff",
            b"\xc2\xbb",
            b"<?xml version='1.0' encoding='latin1'?>",
            b"<img src=",
            b"&#x",
            b"<author>\xc2\xabx@example.org\xc2\xbb</author>",
        ];
        let base = Url::parse("https://example.org/x/").unwrap();
        let mut state: u64 = 0x1234_5678_9abc_def1;
        let mut random = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            usize::try_from(state % 1_000_003).unwrap()
        };
        let names = [
            "atom_example_1.xml",
            "atom_xml_base.xml",
            "rss_1.0_iso8859.xml",
            "rss_2.0_encoding_1.xml",
            "rss_2.0_invalid_1.xml",
            "rss_2.0_relurl_1.xml",
        ];
        for name in names {
            let bytes = sample(name);
            let mut cases: Vec<Vec<u8>> = (0..bytes.len())
                .step_by(7)
                .map(|cut| bytes[..cut].to_vec())
                .collect();
            for _ in 0..500 {
                let mut mutated = bytes.clone();
                for _ in 0..=random() % 5 {
                    let at = random() % (mutated.len() + 1);
                    match random() % 3 {
                        0 => {
                            let piece = pieces[random() % pieces.len()];
                            mutated.splice(at..at, piece.iter().copied());
                        }
                        1 if at < mutated.len() => mutated[at] = (random() % 256) as u8,
                        _ => {
                            let end = (at + random() % 40).min(mutated.len());
                            mutated.drain(at..end);
                        }
                    }
                }
                cases.push(mutated);
            }
            for case in cases {
                if let Ok(text) = to_utf8(&case) {
                    let xml = for_feed_rs(&text);
                    let outcome =
                        std::panic::catch_unwind(|| feed_rs::parser::parse(xml.as_bytes()));
                    assert!(outcome.is_ok(), "{name}: feed-rs panicked on {xml:?}");
                }
                let _ = parse(&case, Some(&base));
            }
        }
    }

    #[test]
    fn language_tags_are_reduced_to_the_primary_subtag() {
        assert_eq!(primary_language("fr-FR").as_deref(), Some("fr"));
        assert_eq!(primary_language(" EN_us ").as_deref(), Some("en"));
        assert_eq!(primary_language("x"), None);
        assert_eq!(primary_language("français"), None);
    }
}
