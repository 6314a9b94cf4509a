/**
 * Base of every error the service raises on purpose. Each module owns its error classes and
 * says how each code is answered over HTTP in its own `ErrorAnswers` provider; the one
 * exception filter (DomainErrorFilter) applies them. Services never build HTTP answers.
 */
export abstract class DomainError<Code extends string = string> extends Error {
  abstract readonly code: Code;
  /** Messages safe to show to the client; the first one is the headline. */
  readonly details: string[];

  protected constructor(message: string, details: string[] = [message]) {
    super(message);
    this.name = new.target.name;
    this.details = details;
  }
}
