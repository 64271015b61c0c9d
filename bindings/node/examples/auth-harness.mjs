// What the sign-in example (examples/signin.mjs), the Auth.js end-to-end
// test (test/e2e.test.mjs) and the install test (tests/install/npm-app,
// which copies this file) share to drive @auth/core's Auth() without a
// browser or a mail server.

/** An email provider that puts each magic link in `outbox` instead of mailing it. */
export function outboxEmailProvider(outbox) {
  return {
    id: "email",
    type: "email",
    name: "Email",
    from: "no-reply@example.com",
    maxAge: 24 * 60 * 60,
    options: {},
    async sendVerificationRequest({ identifier, url }) {
      outbox.push({ identifier, url })
    },
  }
}

/**
 * A browser's cookie jar, just enough for a sign-in: `request(method, url,
 * form)` sends the jar's cookies, posts `form` url-encoded, runs the request
 * through `Auth(request, config)` and keeps the cookies the response sets.
 */
export function cookieJarClient(Auth, getConfig, origin) {
  const cookies = new Map()
  async function request(method, url, form) {
    const headers = {
      cookie: [...cookies].map(([k, v]) => `${k}=${v}`).join("; "),
    }
    let body
    if (form) {
      headers["content-type"] = "application/x-www-form-urlencoded"
      body = new URLSearchParams(form).toString()
    }
    const response = await Auth(
      new Request(new URL(url, origin), { method, headers, body }),
      getConfig()
    )
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(";")
      const eq = pair.indexOf("=")
      if (eq + 1 < pair.length) cookies.set(pair.slice(0, eq), pair.slice(eq + 1))
      else cookies.delete(pair.slice(0, eq))
    }
    return response
  }
  return { cookies, request }
}
