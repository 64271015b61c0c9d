// The development outbox: the sign-in emails the app "sent" (lib/outbox.ts).
import type { GetServerSideProps } from "next"
import Head from "next/head"
import { outboxEnabled, readOutbox, type OutboxMessage } from "../lib/outbox"

interface Props {
  messages: OutboxMessage[]
}

export const getServerSideProps: GetServerSideProps<Props> = async () => {
  if (!outboxEnabled()) return { notFound: true }
  return { props: { messages: await readOutbox() } }
}

export default function Outbox({ messages }: Props) {
  return (
    <main>
      <Head>
        <title>Outbox - authkv example</title>
      </Head>
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
