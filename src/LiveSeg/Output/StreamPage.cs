namespace LiveSeg.Output;

/// <summary>The page at <c>/</c> of the stream: the live feed, with the HUD's figures from /stats.json below it.</summary>
internal static class StreamPage
{
    public const string Html = """
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <title>LiveSeg stream</title>
        <style>
          body { margin: 0; background: #111; color: #ddd; font: 14px/1.4 system-ui, sans-serif; }
          img { display: block; max-width: 100vw; max-height: calc(100vh - 4em); margin: 0 auto; background: #000; }
          #figures { text-align: center; padding: .5em; font-variant-numeric: tabular-nums; }
        </style>
        </head>
        <body>
        <img id="feed" src="/stream.mjpg" alt="LiveSeg composited feed">
        <div id="figures">waiting for figures…</div>
        <script>
        async function refresh() {
          try {
            const s = await (await fetch('/stats.json', { cache: 'no-store' })).json();
            const ms = (v) => v.toFixed(1);
            document.getElementById('figures').textContent =
              `${s.fps} fps · end to end ${ms(s.p50_ms.end_to_end)} / ${ms(s.p95_ms.end_to_end)} ms p50/p95 · ` +
              `inference ${ms(s.p50_ms.inference)} ms · ${s.model} on ${s.provider} · ${s.effect} · ` +
              `dropped ${s.dropped} of ${s.captured}` + (s.outputs ? ` · ${s.outputs}` : '') +
              (s.mask_age ? ` · mask age ${s.mask_age.frames_p50} / ${s.mask_age.frames_p95} frames, ${ms(s.mask_age.ms_p50)} / ${ms(s.mask_age.ms_p95)} ms p50/p95 · ${s.motion_comp}` : '') +
              (s.steadiness ? ` · edge error ${s.steadiness.edge_error_warped} warped / ${s.steadiness.edge_error_unwarped} unwarped (1/1000)` : '');
          } catch (e) {
            document.getElementById('figures').textContent = 'LiveSeg is not answering';
          }
        }
        refresh();
        setInterval(refresh, 500);
        </script>
        </body>
        </html>
        """;
}
