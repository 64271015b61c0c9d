// The development outbox: the sign-in emails the app "sent" (lib/outbox.ts).
import { notFound } from "next/navigation"
import { outboxEnabled, readOutbox } from "@/lib/outbox"

export const dynamic = "force-dynamic"

export default async function Outbox() {
  if (!outboxEnabled()) notFound()
  const messages = await readOutbox()
  return (
    <main>
      <h1>Outbox</h1>
      <p className="subtitle">
        Development only: sign-in emails land here instead of being sent.
      </p>
      {messages.length === 0 ? (
        <p>No messages yet.</p>
      ) : (
        <ul className="messages">
          {messages.map((m) => (
            <li key={m.url} data-to={m.to}>
              <div>
                To <strong>{m.to}</strong> at {m.sentAt}
              </div>
              <div>{m.subject}</div>
              <a className="button" href={m.url}>
                Sign in as {m.to}
              </a>
            </li>
          ))}
        </ul>
      )}
      <p>
        <a href="/">Home</a>
      </p>
    </main>
  )
}
