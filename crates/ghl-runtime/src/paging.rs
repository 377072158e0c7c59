//! Pages as streams: one [`Paginator`] walks every way HighLevel's list operations page.
//!
//! A generated operation that pages describes itself with a [`Paging`] (from its spec, or from
//! an entry in `overrides/` where the spec does not say) and hands its first request to
//! [`Paginator::new`]; its builder's `paginate()` returns the paginator. The walk reads the
//! answer's items, total and cursor through JSON pointers, and sets the next request's offset,
//! page number or cursor in the query or the JSON body.
//!
//! It stops at the first of: an empty page; a page shorter than the page size asked for; the
//! total the answer reports (read again on every page, so a total that shrinks while reading
//! ends the walk, and one that grows lets it go on); `max_items`; an answer without a next
//! cursor, or whose "more" flag is false; a cursor the walk has already sent (a server that
//! repeats itself), or a page whose items equal the previous page's (a server that ignores
//! the offset). None of these can loop forever.

use std::collections::HashSet;
use std::fmt;
use std::marker::PhantomData;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_util::Stream;
use futures_util::stream::{self, StreamExt as _, TryStreamExt as _};
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::{Client, Error, Request, Result};

/// Where a paging input goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Slot {
    /// A query parameter of this name.
    Query(&'static str),
    /// A top-level field of the JSON request body.
    Body(&'static str),
}

/// Where a cursor value comes from in an answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    /// A JSON pointer into the page (e.g. `/meta/startAfterId`).
    Page(&'static str),
    /// A JSON pointer into the page's last item (e.g. `/searchAfter`).
    LastItem(&'static str),
}

/// How an operation moves from one page to the next.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Style {
    /// The input skips that many items (`skip`/`offset` with a `limit`).
    Offset {
        /// The input holding the number of items to skip.
        offset: Slot,
    },
    /// The input is a page number (`page` with a `limit`/`pageLimit`).
    Page {
        /// The input holding the page number.
        page: Slot,
        /// The number of the first page (1 unless the operation counts from 0).
        first: u64,
    },
    /// Each answer says where the next page starts: `startAfter`/`startAfterId` from `meta`,
    /// a `searchAfter` from the last item, a `lastMessageId`.
    Cursor {
        /// Each input of the next request, and where in the answer its value is.
        next: &'static [(Slot, Source)],
        /// A JSON pointer to a boolean in the page that says whether more pages follow
        /// (`nextPage`); without one, a missing cursor ends the walk.
        more: Option<&'static str>,
    },
}

/// How one operation pages: written by the generator, read by [`Paginator`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Paging {
    /// How the next page is asked for.
    pub style: Style,
    /// The page-size input, when the operation takes one.
    pub limit: Option<Slot>,
    /// A JSON pointer to the page's items (`/contacts`).
    pub items: &'static str,
    /// A JSON pointer to the total number of items, when the answer reports it.
    pub total: Option<&'static str>,
}

/// Every page, or every item, of a paged operation, as a [`Stream`]: what a paged builder's
/// `paginate()` returns.
///
/// ```no_run
/// # async fn example(posts: ghl_runtime::Paginator<serde_json::Value, serde_json::Value>) -> ghl_runtime::Result<()> {
/// let all: Vec<serde_json::Value> = posts.page_size(50).max_items(500).collect_items().await?;
/// # Ok(()) }
/// ```
///
/// As a stream, for items one at a time (with `futures-util`'s adapters):
///
/// ```no_run
/// # async fn example(posts: ghl_runtime::Paginator<serde_json::Value, serde_json::Value>) -> ghl_runtime::Result<()> {
/// use futures_util::TryStreamExt as _;
/// let mut items = std::pin::pin!(posts.items());
/// while let Some(post) = items.try_next().await? {
///     println!("{post}");
/// }
/// # Ok(()) }
/// ```
///
/// The walk starts where the call stands (its offset, page or cursor) and sends one request
/// per page, only when the stream is polled for more. An error ends the stream after it is
/// yielded.
#[must_use = "a paginator does nothing until its stream is polled"]
pub struct Paginator<P, I> {
    start: Result<(Client, Request)>,
    paging: &'static Paging,
    page_size: Option<u64>,
    max_items: Option<u64>,
    types: PhantomData<fn() -> (P, I)>,
}

impl<P, I> std::fmt::Debug for Paginator<P, I> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Paginator")
            .field("paging", self.paging)
            .field("page_size", &self.page_size)
            .field("max_items", &self.max_items)
            .finish_non_exhaustive()
    }
}

impl<P, I> Paginator<P, I>
where
    P: DeserializeOwned + Send + 'static,
    I: DeserializeOwned + Send + 'static,
{
    /// A paginator from the operation's first request (or the error building it) and how it
    /// pages. Called by generated code.
    pub fn new(start: Result<(Client, Request)>, paging: &'static Paging) -> Self {
        Paginator {
            start,
            paging,
            page_size: None,
            max_items: None,
            types: PhantomData,
        }
    }

    /// Asks for `size` items per page, in the operation's limit input. Without it, pages are
    /// the size the call was built with. The call checks its bounds on the limit it was built
    /// with, not on this one: keep `size` within what the operation accepts (a server refuses
    /// more, e.g. blog posts with a 422 over 50).
    pub fn page_size(mut self, size: u64) -> Self {
        self.page_size = Some(size);
        self
    }

    /// Stops after `count` items: [`Paginator::items`] yields no more than `count`, and the
    /// last request of an offset or cursor walk asks only for what is still missing (when
    /// the operation takes a page size). A page-number walk asks for its last page in full:
    /// page 3 of a smaller size would be another slice of the list.
    pub fn max_items(mut self, count: u64) -> Self {
        self.max_items = Some(count);
        self
    }

    /// Every item of every page, in order, at most `max_items`, in one `Vec`: [`Paginator::items`]
    /// collected. The first error ends the
    /// walk and is returned. Without [`Paginator::max_items`] this reads the whole list into
    /// memory (a location's contacts can be tens of thousands): bound it, or take the stream.
    pub async fn collect_items(self) -> Result<Vec<I>> {
        self.items().try_collect().await
    }

    /// Every page, in order, in one `Vec`: [`Paginator::pages`] collected (see
    /// [`Paginator::collect_items`]).
    pub async fn collect_pages(self) -> Result<Vec<P>> {
        self.pages().try_collect().await
    }

    /// Every page as the operation returns it, from the call's position on, one at a time
    /// (see [`PagedStream`]). A first page with no items is yielded (it says there are none);
    /// later empty pages are not.
    pub fn pages(self) -> PagedStream<P> {
        PagedStream::new(self.walk().map(|page| page.map(|(page, _)| page)))
    }

    /// Every item of every page, in order, at most `max_items`, one at a time:
    ///
    /// ```no_run
    /// # async fn walk(paginator: ghl_runtime::Paginator<serde_json::Value, serde_json::Value>) -> ghl_runtime::Result<()> {
    /// let mut items = paginator.items();
    /// while let Some(item) = items.next().await {
    ///     println!("{:?}", item?);
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub fn items(self) -> PagedStream<I> {
        let max = self.max_items;
        PagedStream::new(
            self.walk()
                .map(|page| match page {
                    Ok((_, items)) => stream::iter(items.into_iter().map(Ok)).left_stream(),
                    Err(error) => stream::iter([Err(error)]).right_stream(),
                })
                .flatten()
                .take(max.map_or(usize::MAX, |max| usize::try_from(max).unwrap_or(usize::MAX))),
        )
    }

    /// The pages with their decoded items.
    fn walk(self) -> impl Stream<Item = Result<(P, Vec<I>)>> + Send + 'static {
        let walk = match self.start {
            Ok((client, mut request)) => match request.error.take() {
                Some(error) => Err(*error),
                None => Ok(Walk::new(
                    client,
                    request,
                    self.paging,
                    self.page_size,
                    self.max_items,
                )),
            },
            Err(error) => Err(error),
        };
        let state = Some(walk);
        stream::unfold(state, |state| async move {
            match state? {
                Err(error) => Some((Err(error), None)),
                Ok(mut walk) => match walk.next_page::<P, I>().await {
                    Ok(Some(page)) => Some((Ok(page), Some(Ok(walk)))),
                    Ok(None) => None,
                    Err(error) => Some((Err(error), None)),
                },
            }
        })
    }
}

/// A paged walk read one value at a time, as [`Paginator::items`] and [`Paginator::pages`]
/// return it: `while let Some(item) = items.next().await { .. }`, with nothing to import and
/// nothing to pin. The first error ends the walk. It is also a [`Stream`] (and `Unpin`), for
/// stream adapters such as `futures-util`'s `TryStreamExt`.
#[must_use = "a walk sends nothing until it is read"]
pub struct PagedStream<T> {
    stream: Pin<Box<dyn Stream<Item = Result<T>> + Send>>,
}

impl<T> PagedStream<T> {
    fn new(stream: impl Stream<Item = Result<T>> + Send + 'static) -> Self {
        PagedStream {
            stream: Box::pin(stream),
        }
    }

    /// The next value, or `None` when the walk is over.
    pub async fn next(&mut self) -> Option<Result<T>> {
        stream::StreamExt::next(&mut self.stream).await
    }
}

impl<T> Stream for PagedStream<T> {
    type Item = Result<T>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<T>>> {
        self.stream.as_mut().poll_next(cx)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.stream.size_hint()
    }
}

impl<T> fmt::Debug for PagedStream<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PagedStream").finish_non_exhaustive()
    }
}

/// Where a walk stands between two pages.
struct Walk {
    client: Client,
    /// The call as built; every page's request is a copy with the position set.
    template: Request,
    paging: &'static Paging,
    /// The page size asked for (`None`: the operation's default, not known here).
    size: Option<u64>,
    /// `size` differs from what the call was built with: it must be sent.
    resize: bool,
    max_items: Option<u64>,
    /// Items read so far.
    seen: u64,
    /// Offset style: the offset of the next page. Page style: its number.
    position: u64,
    /// The first page's position (page style: to count the items before it).
    start: u64,
    /// Cursor style: the inputs of the next request (`None`: as the call was built).
    cursor: Option<Vec<Value>>,
    /// Cursor style: every cursor sent, to notice a server that goes round in circles.
    sent: HashSet<String>,
    /// The previous page's items, to notice a server that ignores the position.
    previous: Option<Value>,
    first: bool,
    done: bool,
}

impl Walk {
    fn new(
        client: Client,
        template: Request,
        paging: &'static Paging,
        page_size: Option<u64>,
        max_items: Option<u64>,
    ) -> Walk {
        let built = paging.limit.and_then(|slot| read_u64(&template, slot));
        let start = match paging.style {
            Style::Offset { offset } => read_u64(&template, offset).unwrap_or(0),
            Style::Page { page, first } => read_u64(&template, page).unwrap_or(first),
            Style::Cursor { .. } => 0,
        };
        Walk {
            client,
            template,
            paging,
            size: page_size.or(built),
            resize: page_size.is_some() && page_size != built,
            max_items,
            seen: 0,
            position: start,
            start,
            cursor: None,
            sent: HashSet::new(),
            previous: None,
            first: true,
            done: false,
        }
    }

    /// Fetches the next page; `None` when the walk is over.
    async fn next_page<P: DeserializeOwned, I: DeserializeOwned>(
        &mut self,
    ) -> Result<Option<(P, Vec<I>)>> {
        loop {
            if self.done {
                return Ok(None);
            }
            let remaining = self.max_items.map(|max| max.saturating_sub(self.seen));
            if remaining == Some(0) {
                return Ok(None);
            }
            let mut request = self.template.duplicate();
            // The last page asks only for what is still missing, where the position does not
            // depend on the page size: a page number is a slice of `size` items, and page 3
            // of a smaller size is another slice (items the walk has already read). There the
            // last page is asked in full and `items` yields what is missing of it.
            let ask = match (self.size, remaining, self.paging.style) {
                (Some(size), _, Style::Page { .. }) => Some(size),
                (Some(size), Some(remaining), _) => Some(size.min(remaining)),
                (size, _, _) => size,
            };
            if let (Some(slot), Some(ask)) = (self.paging.limit, ask) {
                if self.resize || ask != self.size.unwrap_or(ask) {
                    set(&mut request, slot, Value::from(ask))?;
                }
            }
            match self.paging.style {
                Style::Offset { offset } if !self.first => {
                    set(&mut request, offset, Value::from(self.position))?
                }
                Style::Page { page, .. } if !self.first => {
                    set(&mut request, page, Value::from(self.position))?
                }
                Style::Cursor { next, .. } => {
                    if let Some(values) = &self.cursor {
                        for ((slot, _), value) in next.iter().zip(values) {
                            set(&mut request, *slot, value.clone())?;
                        }
                    }
                }
                _ => {}
            }
            let page = self
                .client
                .send_page::<P, I>(request, self.paging.items)
                .await?;
            let first = std::mem::replace(&mut self.first, false);
            let count = page.items.len() as u64;
            if count > 0 && self.previous.as_ref() == Some(&page.items_json) {
                // The same items again: the server ignores where we asked to start.
                return Ok(None);
            }
            self.seen += count;
            self.advance(&page.json, &page.items_json, count, ask);
            self.previous = Some(page.items_json);
            if count > 0 || first {
                return Ok(Some((page.page, page.items)));
            }
        }
    }

    /// Moves to the next page, or ends the walk, after a page of `count` items (`asked`: the
    /// page size sent, when known).
    fn advance(&mut self, json: &Value, items: &Value, count: u64, asked: Option<u64>) {
        let reached_max = self.max_items.is_some_and(|max| self.seen >= max);
        let partial = asked.is_some_and(|asked| count < asked);
        if count == 0 || partial || reached_max {
            self.done = true;
            return;
        }
        let total = self
            .paging
            .total
            .and_then(|pointer| json.pointer(pointer))
            .and_then(as_u64);
        match self.paging.style {
            Style::Offset { .. } => {
                self.position += count;
                if total.is_some_and(|total| self.position >= total) {
                    self.done = true;
                }
            }
            Style::Page { .. } => {
                let before = match self.size {
                    Some(size) => (self.position - self.start) * size,
                    None => self.seen - count,
                };
                self.position += 1;
                if total.is_some_and(|total| before + count >= total) {
                    self.done = true;
                }
            }
            Style::Cursor { next, more } => {
                if more
                    .and_then(|pointer| json.pointer(pointer))
                    .is_some_and(|more| more == &Value::Bool(false))
                {
                    self.done = true;
                    return;
                }
                if total.is_some_and(|total| self.seen >= total) {
                    self.done = true;
                    return;
                }
                let last = items.as_array().and_then(|items| items.last());
                let values: Option<Vec<Value>> = next
                    .iter()
                    .map(|(_, source)| {
                        let value = match source {
                            Source::Page(pointer) => json.pointer(pointer),
                            Source::LastItem(pointer) => last?.pointer(pointer),
                        };
                        value.filter(|value| !value.is_null()).cloned()
                    })
                    .collect();
                match values {
                    Some(values) if self.sent.insert(Value::from(values.clone()).to_string()) => {
                        self.cursor = Some(values);
                    }
                    // No cursor, or one already sent: the server has nothing new to give.
                    _ => self.done = true,
                }
            }
        }
    }
}

/// A count in JSON: an integer, or a whole number written as a float or a string.
fn as_u64(value: &Value) -> Option<u64> {
    match value {
        Value::Number(number) => number.as_u64().or_else(|| {
            number
                .as_f64()
                .filter(|float| float.fract() == 0.0 && *float >= 0.0)
                .map(|float| float as u64)
        }),
        Value::String(text) => text.trim().parse().ok(),
        _ => None,
    }
}

/// The number an input holds in the request as built.
fn read_u64(request: &Request, slot: Slot) -> Option<u64> {
    match slot {
        Slot::Query(name) => request
            .query
            .iter()
            .find(|(key, _)| *key == name)
            .and_then(|(_, value)| value.trim().parse().ok()),
        Slot::Body(name) => match &request.body {
            crate::request::Body::Json(bytes) => serde_json::from_slice::<Value>(bytes)
                .ok()?
                .get(name)
                .and_then(as_u64),
            _ => None,
        },
    }
}

/// Puts `value` in an input of `request`, replacing what was there. A body field that held a
/// string gets the value as a string (some list bodies declare their numbers as strings).
fn set(request: &mut Request, slot: Slot, value: Value) -> Result<()> {
    match slot {
        Slot::Query(name) => {
            // In the place it had (the query reads as the call built it), else at the end.
            let at = request
                .query
                .iter()
                .position(|(key, _)| *key == name)
                .unwrap_or(request.query.len());
            request.query.retain(|(key, _)| *key != name);
            let values = match value {
                Value::Array(values) => values,
                value => vec![value],
            };
            let pairs = values.into_iter().map(|value| {
                let text = match value {
                    Value::String(text) => text,
                    other => other.to_string(),
                };
                (name, text)
            });
            let at = at.min(request.query.len());
            request.query.splice(at..at, pairs);
            Ok(())
        }
        Slot::Body(name) => {
            let fail = |message: String| Error::invalid_request(request.path_template, message);
            let mut body: serde_json::Map<String, Value> = match &request.body {
                crate::request::Body::Json(bytes) => serde_json::from_slice(bytes)
                    .map_err(|e| fail(format!("paging: the JSON body is not an object: {e}")))?,
                crate::request::Body::None => serde_json::Map::new(),
                _ => {
                    return Err(fail(format!(
                        "paging: `{name}` goes in a JSON body, and this request has another kind"
                    )));
                }
            };
            let value = match (body.get(name), value) {
                (Some(Value::String(_)), Value::Number(number)) => {
                    Value::String(number.to_string())
                }
                (_, value) => value,
            };
            body.insert(name.to_owned(), value);
            let bytes = serde_json::to_vec(&body)
                .map_err(|e| fail(format!("paging: the JSON body cannot be written: {e}")))?;
            request.body = crate::request::Body::Json(bytes.into());
            Ok(())
        }
    }
}
