# median(a, n): the median of a[1..n] (sorts a in place; the mean of the two middle values for even n). The
# run_*.sh scripts put this in front of their awk programs (any awk: the text is concatenated, not -f + -e).
function median(a, n,   i, j, t) {
  for (i = 1; i <= n; i++)
    for (j = i + 1; j <= n; j++)
      if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
  return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
