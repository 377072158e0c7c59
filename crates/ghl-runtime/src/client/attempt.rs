//! One call's attempts: admit (the owner's rate limit), authorize and build the request,
//! send, classify the outcome ([`crate::retry::classify`]), back off, again.

use super::*;

/// What one attempt ended with.
pub(super) enum Outcome {
    Response(Raw),
    Failed(Error, FailureKind),
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum FailureKind {
    /// The request never reached the server (connect failure): always safe to retry.
    Connect,
    /// Timeout or failure mid-request: the server may have acted.
    Other,
}

/// Status and headers taken out of a response whose body is still to be read. A function
/// of its own so the response is not borrowed in the request future, which would keep a
/// copy of it there while the body is read.
pub(super) fn split_response(
    mut response: reqwest::Response,
) -> (u16, HeaderMap, reqwest::Response) {
    let status = response.status().as_u16();
    let headers = std::mem::take(response.headers_mut());
    (status, headers, response)
}

/// The daily quota of the call's owner is used up.
#[cold]
#[inline(never)]
pub(super) fn daily_quota_exhausted(request: &Request, retry_after: Option<Duration>) -> Error {
    Error::RateLimited {
        method: request.method.clone(),
        path: request.path_template,
        retry_after,
        daily: true,
    }
}

/// A header value for a `'static` string: not copied when it is visible ASCII (the
/// common case), else checked and copied like `HeaderValue::from_str`.
pub(super) fn static_value(value: &'static str) -> Option<HeaderValue> {
    if value.bytes().all(|b| (32..127).contains(&b) || b == b'\t') {
        Some(HeaderValue::from_static(value))
    } else {
        HeaderValue::from_str(value).ok()
    }
}

/// `Retry-After` in seconds (an HTTP date is not used by this API).
pub(super) fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(header::RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    value
        .parse::<f64>()
        .ok()
        .filter(|s| s.is_finite() && *s >= 0.0)
        .map(Duration::from_secs_f64)
}

impl Client {
    /// Returns the future that sends a call with retries, rate limiting and tracing.
    /// `slot` is the rate-limit slot of the call's owner (`None`: not rate limited, as
    /// token calls are).
    ///
    /// A plain function returning one future, not an `async fn` wrapping it: each level of
    /// `async fn` would store (and copy) the whole request future once more. Only the
    /// reqwest futures are held across an await, one at a time, so the future stays small.
    ///
    /// `request` must have been checked (its deferred error taken).
    pub(super) fn execute_with<'a>(
        &'a self,
        request: &'a Request,
        bearer: Bearer,
        slot: Option<Arc<OwnerSlot>>,
    ) -> impl Future<Output = Result<Raw>> + 'a {
        let inner = &self.inner;
        let span = tracing::info_span!(
            "ghl.request",
            method = %request.method,
            path = request.path_template,
            status = tracing::field::Empty,
            attempt = tracing::field::Empty,
            latency_ms = tracing::field::Empty,
        );
        // A handle to record into (a disabled span when no subscriber wants it: free).
        let recorder = span.clone();
        let call = async move {
            let mut retries = 0u32;
            loop {
                let attempt = retries + 1;
                // Admit: the owner's rate limit. Nearly always admitted at once; only a wait
                // needs the (boxed) future.
                if let Some(slot) = &slot {
                    let admitted = match slot.try_acquire() {
                        Some(admitted) => admitted,
                        None => Box::pin(slot.acquire()).await,
                    };
                    if let Err(Refusal::Daily(retry_after)) = admitted {
                        return Err(daily_quota_exhausted(request, retry_after));
                    }
                }
                // Authorize: the request with its bearer token, built for every attempt
                // (retries are rare, and wait far longer than building takes), after any wait
                // so it is not held across one.
                let http_request = self.http_request(request, &bearer)?;
                // The clock is only read for a subscriber that records the latency.
                let started = (!recorder.is_disabled()).then(Instant::now);
                // Send: the request, then the whole body.
                let outcome = 'attempt: {
                    let (status, headers, response) = match inner.http.execute(http_request).await {
                        Ok(response) => split_response(response),
                        Err(e) => break 'attempt self.transport_failure(request, e),
                    };
                    match response.bytes().await {
                        Ok(body) => Outcome::Response(Raw {
                            status,
                            headers,
                            body,
                        }),
                        Err(e) => self.transport_failure(request, e),
                    }
                };
                let latency_ms = started.map_or(0, |t| t.elapsed().as_millis() as u64);
                recorder.record("attempt", attempt);
                recorder.record("latency_ms", latency_ms);
                // Classify: a 2xx is the answer; anything else is an error to give up with,
                // or to retry after a delay (`retry::classify`).
                let (delay, last) = match outcome {
                    Outcome::Response(raw) => {
                        recorder.record("status", raw.status);
                        if let Some(slot) = &slot {
                            slot.observe(&raw.headers);
                        }
                        tracing::debug!(status = raw.status, attempt, latency_ms, "ghl: response");
                        if (200..300).contains(&raw.status) {
                            if retries == 0 {
                                inner.budget.record_success();
                            }
                            return Ok(raw);
                        }
                        self.after_error_response(request, raw, attempt, slot.as_deref())?
                    }
                    Outcome::Failed(err, kind) => {
                        self.after_failure(request, err, kind, attempt, latency_ms)?
                    }
                };
                // Back off: within the retry limit and the retry budget.
                if retries >= inner.retry.max_retries {
                    return Err(last);
                }
                if !inner.budget.try_spend() {
                    tracing::warn!(attempt, "ghl: retry budget exhausted, not retrying");
                    return Err(last);
                }
                retries += 1;
                tracing::debug!(
                    attempt,
                    delay_ms = delay.as_millis() as u64,
                    "ghl: retrying"
                );
                tokio::time::sleep(delay).await;
            }
        };
        // Entered on every poll only when a subscriber wants the span.
        if span.is_disabled() {
            Either::Right(call)
        } else {
            Either::Left(call.instrument(span))
        }
    }

    /// A non-2xx answer: the error, and the delay before trying again when the call may be
    /// retried (`Err`: give up with the error now). Out of line: the success path stays
    /// small.
    #[cold]
    #[inline(never)]
    pub(super) fn after_error_response(
        &self,
        request: &Request,
        raw: Raw,
        attempt: u32,
        slot: Option<&OwnerSlot>,
    ) -> Result<(Duration, Error)> {
        let inner = &self.inner;
        let retry_after = retry_after(&raw.headers);
        let err = error::from_response(&request.answer_facts(), raw.status, retry_after, &raw.body);
        let answered = Attempt::Answered {
            status: raw.status,
            retry_after,
        };
        match classify(&inner.retry, request.is_idempotent(), answered) {
            RetryAction::Fail => Err(err),
            RetryAction::Backoff => Ok((inner.retry.backoff(attempt), err)),
            RetryAction::After(delay) => {
                if let Some(slot) = slot {
                    slot.pause(delay);
                }
                Ok((delay, err))
            }
        }
    }

    /// A failed attempt (no answer): like [`Client::after_error_response`].
    #[cold]
    #[inline(never)]
    pub(super) fn after_failure(
        &self,
        request: &Request,
        err: Error,
        kind: FailureKind,
        attempt: u32,
        latency_ms: u64,
    ) -> Result<(Duration, Error)> {
        tracing::debug!(attempt, latency_ms, error = %err, "ghl: request failed");
        let failed = match (&err, kind) {
            (Error::InvalidRequest { .. }, _) => Attempt::Refused,
            (_, FailureKind::Connect) => Attempt::NotSent,
            (_, FailureKind::Other) => Attempt::Interrupted,
        };
        let inner = &self.inner;
        match classify(&inner.retry, request.is_idempotent(), failed) {
            RetryAction::Fail => Err(err),
            RetryAction::Backoff | RetryAction::After(_) => Ok((inner.retry.backoff(attempt), err)),
        }
    }

    /// The reqwest request of one attempt: URL, headers and body.
    pub(super) fn http_request(
        &self,
        request: &Request,
        bearer: &Bearer,
    ) -> Result<reqwest::Request> {
        let inner = &self.inner;
        let url = self.url(request)?;
        let mut headers = self.headers(request, bearer)?;
        let body = match &request.body {
            Body::None | Body::Multipart(_) => None,
            Body::Json(b) => {
                headers.append(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("application/json"),
                );
                Some(b.clone())
            }
            Body::Form(b) => {
                headers.append(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("application/x-www-form-urlencoded"),
                );
                Some(b.clone())
            }
            Body::Bytes(raw) => {
                let (content_type, bytes) = &**raw;
                let value = HeaderValue::from_str(content_type).map_err(|_| {
                    Error::invalid_request(
                        request.path_template,
                        format!("`{content_type}` is not a valid Content-Type"),
                    )
                })?;
                headers.append(header::CONTENT_TYPE, value);
                Some(bytes.clone())
            }
        };
        if !inner.base_userinfo && !matches!(request.body, Body::Multipart(_)) {
            let mut http_request = reqwest::Request::new(request.method.clone(), url);
            *http_request.headers_mut() = headers;
            *http_request.body_mut() = body.map(reqwest::Body::from);
            return Ok(http_request);
        }
        // Through the builder: it turns URL credentials into basic auth and sets the
        // multipart content type and length.
        let mut builder = inner
            .http
            .request(request.method.clone(), url)
            .headers(headers);
        builder = match (&request.body, body) {
            (Body::Multipart(m), _) => builder.multipart(
                m.to_form()
                    .map_err(|message| Error::invalid_request(request.path_template, message))?,
            ),
            (_, Some(b)) => builder.body(b),
            (_, None) => builder,
        };
        builder.build().map_err(|e| Error::Transport {
            method: request.method.clone(),
            path: request.path_template,
            source: e.without_url(),
        })
    }

    pub(super) fn transport_failure(&self, request: &Request, e: reqwest::Error) -> Outcome {
        let method = request.method.clone();
        let path = request.path_template;
        if e.is_timeout() {
            Outcome::Failed(
                Error::Timeout {
                    method,
                    path,
                    timeout: Some(self.inner.timeout),
                },
                FailureKind::Other,
            )
        } else {
            let kind = if e.is_connect() {
                FailureKind::Connect
            } else {
                FailureKind::Other
            };
            // Drop the URL from the error: keep errors free of anything but the path.
            Outcome::Failed(
                Error::Transport {
                    method,
                    path,
                    source: e.without_url(),
                },
                kind,
            )
        }
    }

    pub(super) fn url(&self, request: &Request) -> Result<url::Url> {
        let path = &request.path;
        let mut url = self.inner.base.clone();
        let prefix = self.inner.base_path.as_str();
        if prefix.is_empty() && path.starts_with('/') {
            url.set_path(path);
        } else {
            let sep = if path.starts_with('/') { "" } else { "/" };
            url.set_path(&format!("{prefix}{sep}{path}"));
        }
        if !request.query.is_empty() {
            let mut pairs = url.query_pairs_mut();
            for (name, value) in &request.query {
                pairs.append_pair(name, value);
            }
        }
        Ok(url)
    }

    pub(super) fn headers(&self, request: &Request, bearer: &Bearer) -> Result<HeaderMap> {
        let bad = |name: &str| {
            Error::invalid_request(
                request.path_template,
                format!("header `{name}` has a value that is not a valid header value"),
            )
        };
        let mut headers =
            HeaderMap::with_capacity(6 + request.headers.len() + request.forced_headers.len());
        headers.insert(header::ACCEPT, HeaderValue::from_static("application/json"));
        headers.insert(header::USER_AGENT, self.inner.user_agent.clone());
        let version = if request.version.is_empty() {
            DEFAULT_API_VERSION
        } else {
            request.version
        };
        headers.insert(
            HeaderName::from_static("version"),
            static_value(version).ok_or_else(|| bad("Version"))?,
        );
        if request.auth {
            match bearer {
                Bearer::Valid(value) => {
                    headers.insert(header::AUTHORIZATION, value.clone());
                }
                Bearer::Invalid => return Err(bad("Authorization")),
                Bearer::None if !matches!(self.inner.auth, Credentials::None) => {
                    return Err(Error::config("no access token available"));
                }
                Bearer::None => {}
            }
        }
        for (name, value) in &request.headers {
            if name.eq_ignore_ascii_case("authorization") || name.eq_ignore_ascii_case("version") {
                continue;
            }
            let n = HeaderName::from_bytes(name.as_bytes()).map_err(|_| bad(name))?;
            let mut v = HeaderValue::from_str(value).map_err(|_| bad(name))?;
            if is_sensitive_header(name) {
                v.set_sensitive(true);
            }
            headers.append(n, v);
        }
        for (name, value) in &request.forced_headers {
            let n = HeaderName::from_bytes(name.as_bytes()).map_err(|_| bad(name))?;
            let v = static_value(value).ok_or_else(|| bad(name))?;
            headers.insert(n, v);
        }
        Ok(headers)
    }
}
