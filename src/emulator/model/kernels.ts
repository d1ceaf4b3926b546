/**
 * The dense products of the tiny model, written so V8 keeps the accumulators in registers:
 * four rows of A share each load of a row of B.
 */

/** C (n×m) += A (n×k) · Bᵀ, where B is m×k row-major (C[t][j] += Σᵢ A[t][i]·B[j][i]). */
export function addABt(
  A: Float64Array,
  B: Float64Array,
  C: Float64Array,
  n: number,
  m: number,
  k: number,
): void {
  let t = 0;
  for (; t + 4 <= n; t += 4) {
    const a0 = t * k;
    const a1 = a0 + k;
    const a2 = a1 + k;
    const a3 = a2 + k;
    const c0 = t * m;
    let j = 0;
    // Two rows of B at a time as well: eight accumulators share six loads per step.
    for (; j + 2 <= m; j += 2) {
      const b0 = j * k;
      const b1 = b0 + k;
      let s00 = 0;
      let s01 = 0;
      let s10 = 0;
      let s11 = 0;
      let s20 = 0;
      let s21 = 0;
      let s30 = 0;
      let s31 = 0;
      for (let i = 0; i < k; i++) {
        const x0 = B[b0 + i] as number;
        const x1 = B[b1 + i] as number;
        const y0 = A[a0 + i] as number;
        const y1 = A[a1 + i] as number;
        const y2 = A[a2 + i] as number;
        const y3 = A[a3 + i] as number;
        s00 += y0 * x0;
        s01 += y0 * x1;
        s10 += y1 * x0;
        s11 += y1 * x1;
        s20 += y2 * x0;
        s21 += y2 * x1;
        s30 += y3 * x0;
        s31 += y3 * x1;
      }
      C[c0 + j] = (C[c0 + j] as number) + s00;
      C[c0 + j + 1] = (C[c0 + j + 1] as number) + s01;
      C[c0 + m + j] = (C[c0 + m + j] as number) + s10;
      C[c0 + m + j + 1] = (C[c0 + m + j + 1] as number) + s11;
      C[c0 + 2 * m + j] = (C[c0 + 2 * m + j] as number) + s20;
      C[c0 + 2 * m + j + 1] = (C[c0 + 2 * m + j + 1] as number) + s21;
      C[c0 + 3 * m + j] = (C[c0 + 3 * m + j] as number) + s30;
      C[c0 + 3 * m + j + 1] = (C[c0 + 3 * m + j + 1] as number) + s31;
    }
    for (; j < m; j++) {
      const b = j * k;
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      for (let i = 0; i < k; i++) {
        const x = B[b + i] as number;
        s0 += (A[a0 + i] as number) * x;
        s1 += (A[a1 + i] as number) * x;
        s2 += (A[a2 + i] as number) * x;
        s3 += (A[a3 + i] as number) * x;
      }
      C[c0 + j] = (C[c0 + j] as number) + s0;
      C[c0 + m + j] = (C[c0 + m + j] as number) + s1;
      C[c0 + 2 * m + j] = (C[c0 + 2 * m + j] as number) + s2;
      C[c0 + 3 * m + j] = (C[c0 + 3 * m + j] as number) + s3;
    }
  }
  for (; t < n; t++) {
    const a = t * k;
    for (let j = 0; j < m; j++) {
      const b = j * k;
      let s = 0;
      for (let i = 0; i < k; i++) s += (A[a + i] as number) * (B[b + i] as number);
      C[t * m + j] = (C[t * m + j] as number) + s;
    }
  }
}

/** The transpose of an r×c row-major matrix (c×r). */
export function transpose(M: Float64Array | Float32Array, r: number, c: number): Float64Array {
  const out = new Float64Array(r * c);
  for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) out[j * r + i] = M[i * c + j] as number;
  return out;
}
