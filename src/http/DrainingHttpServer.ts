/**
 * A Node HTTP server that a scope can always close. Node's `server.close()` stops listening and
 * drops idle keep-alive connections, then waits for every other connection to end; a client that
 * polls on a kept-alive connection (the web console does, every two seconds) keeps one busy and the
 * close never completes, so the node would hang on Ctrl+C while a console tab is open.
 *
 * Once closing, this server answers every further request with `Connection: close`, so a polling
 * client's connection ends after its current answer, and after a grace period it destroys what is
 * still open (a stream followed forever, a client that never reads).
 */
import { Duration } from "effect"
import * as Http from "node:http"

/** How long requests in flight may finish once the server closes, before their connections are cut. */
export const CLOSE_GRACE: Duration.Duration = Duration.seconds(2)

class DrainingServer extends Http.Server {
  #closing = false

  constructor(private readonly grace: Duration.Duration) {
    super()
    this.on("request", (_request: Http.IncomingMessage, response: Http.ServerResponse) => {
      if (this.#closing && !response.headersSent) response.setHeader("connection", "close")
    })
  }

  override close(callback?: (error?: Error) => void): this {
    if (!this.#closing) {
      this.#closing = true
      const cut = setTimeout(() => this.closeAllConnections(), Duration.toMillis(this.grace))
      cut.unref()
      this.once("close", () => clearTimeout(cut))
    }
    return super.close(callback)
  }
}

/** A server for `NodeHttpServer.layer` whose close ends within `grace`, whatever its clients do. */
export const make = (grace: Duration.Duration = CLOSE_GRACE): Http.Server => new DrainingServer(grace)
