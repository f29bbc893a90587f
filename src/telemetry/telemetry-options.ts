/**
 * The `telemetry` option of `createReactor`: OpenTelemetry spans and metrics through
 * `@opentelemetry/api`, an optional peer dependency. Typed structurally here, so the public
 * declarations never need `@opentelemetry/api` installed.
 * @module
 */

/** What `telemetry` takes: `true` for the global providers, or the providers to use. */
export type TelemetryOptions = {
  /** Where spans go. @default the global tracer provider (`trace.getTracerProvider()`) */
  tracerProvider?: { getTracer(name: string, version?: string): object };
  /** Where metrics go. @default the global meter provider (`metrics.getMeterProvider()`) */
  meterProvider?: { getMeter(name: string, version?: string): object };
};

/** The instrumentation scope's name: spans' and metrics' `instrumentationScope.name`. */
export const INSTRUMENTATION_NAME = 'seriatim';
