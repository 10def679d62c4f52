/**
 * The one stdout line a module prints once it listens (CONTRACTS §1.2).
 */
import { Schema } from "effect"

/** `{"event":"listening","host":"127.0.0.1","port":47113}` */
export class Announcement extends Schema.Class<Announcement>("Announcement")({
  event: Schema.Literal("listening"),
  host: Schema.String,
  port: Schema.Int.pipe(Schema.between(1, 65535))
}) {}

/** Decodes one stdout line; anything that is not an announcement is ordinary log output. */
export const decodeAnnouncementLine = Schema.decodeUnknownOption(Schema.parseJson(Announcement))
