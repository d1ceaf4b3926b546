/** Numbers written as Python writes them, for the header values 0.4.1 builds with `str()`. */

/**
 * Python's `repr(float)`: the shortest text that reads back as the same double, always with a `.0`
 * or an exponent (`1.0`, `0.75`, `1e-05`, `1e+16`). Python switches to exponent form below 1e-4 and
 * from 1e16 on, JavaScript at other bounds, and pads the exponent to two digits.
 */
export function pythonFloatRepr(x: number): string {
  if (Number.isNaN(x)) return "nan";
  if (!Number.isFinite(x)) return x > 0 ? "inf" : "-inf";
  const abs = Math.abs(x);
  if (abs !== 0 && (abs < 1e-4 || abs >= 1e16)) {
    const [mantissa, exp] = x.toExponential().split("e") as [string, string];
    const sign = exp.startsWith("-") ? "-" : "+";
    return `${mantissa}e${sign}${exp.replace(/^[+-]/, "").padStart(2, "0")}`;
  }
  const s = String(x);
  return Number.isInteger(x) ? `${s}.0` : s;
}

/**
 * A timeout in ms as 0.4.1's `x-stainless-read-timeout` shows it: `str()` of the seconds it was
 * given, an int (`60`, `45`, `10`) where the SDK passes one, a float (`5.0`, `1.0`, `0.75`) where
 * the SDK or the user passes a float.
 */
export function pythonSeconds(ms: number, asFloat: boolean): string {
  const s = ms / 1000;
  return asFloat || !Number.isInteger(s) ? pythonFloatRepr(s) : String(s);
}
