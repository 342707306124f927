"""The printable digest's Jinja2 template.

Names in tables sit in <bdi> so an Arabic name keeps its own direction without
pulling the cell's alignment; names inside sentences arrive already in <bdi> (html.py);
quotes get dir="auto" so each reads its own way.
Kept as a Python string rather than a package file so it ships with the module
(no package-data to forget) and the page stays self-contained: inline CSS, the
chart as a data: URI, nothing fetched when it is opened or printed.
"""

DIGEST = """<!DOCTYPE html>
<html lang="{{ lang }}" dir="{{ direction }}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ title }}</title>
<style>
  body { font: 11pt/1.45 system-ui, -apple-system, "Segoe UI", "Noto Sans", sans-serif;
         color: #222; max-width: 48rem; margin: 1.5rem auto; padding: 0 1rem; }
  h1 { font-size: 1.5rem; margin: 0; }
  h2 { font-size: 1.15rem; border-bottom: 2px solid #3182bd; padding-bottom: .2rem;
       margin-top: 1.6rem; }
  h3 { font-size: 1rem; margin: 1rem 0 .3rem; }
  .period { color: #555; margin: .2rem 0 1rem; }
  ul { padding-inline-start: 1.2rem; }
  blockquote { margin: .6rem 0; padding: .4rem .8rem; background: #f4f8fb;
               border-inline-start: 4px solid #3182bd; unicode-bidi: plaintext; }
  .about { color: #555; font-size: .9rem; margin: 0 0 .6rem; }
  table { border-collapse: collapse; width: 100%; font-size: .95rem; }
  th, td { text-align: start; padding: .25rem .5rem; border-bottom: 1px solid #ddd; }
  td.n, th.n { text-align: end; font-variant-numeric: tabular-nums; }
  img.chart { max-width: 100%; height: auto; }
  .note { color: #666; font-size: .85rem; margin-top: 2rem; }
  section { break-inside: avoid-page; page-break-inside: avoid; }
  @page { size: A4; margin: 15mm; }
  @media print {
    body { margin: 0; max-width: none; font-size: 10pt; }
    h2 { break-after: avoid-page; page-break-after: avoid; }
  }
</style>
</head>
<body>
<header>
  <h1>{{ heading }}</h1>
  <p class="period">{{ period }}</p>
</header>

<section>
  <h2>{{ label.this_week }}</h2>
  <ul>{% for line in headline %}<li>{{ line }}</li>{% endfor %}</ul>
  {% if chart %}<img class="chart" src="{{ chart }}" alt="{{ label.chart_alt }}">{% endif %}
</section>

<section>
  <h2>{{ label.highlights }}</h2>
  {% if not (photos or quotes or voices) %}<p>{{ label.no_highlights }}</p>{% endif %}
  {% if photos %}
  <h3>{{ label.photos }}</h3>
  <p class="about">{{ label.photos_note }}</p>
  <ul>{% for about in photos %}<li>{{ about }}</li>{% endfor %}</ul>
  {% endif %}
  {% if quotes %}
  <h3>{{ label.quotes }}</h3>
  {% for q in quotes %}
  <blockquote dir="auto" lang="{{ q.lang }}">{{ q.text }}</blockquote>
  <p class="about">— {{ q.about }}</p>
  {% endfor %}
  {% endif %}
  {% if voices %}
  <h3>{{ label.voices }}</h3>
  <ul>{% for v in voices %}<li>{{ v.about }} · {{ v.duration }}</li>{% endfor %}</ul>
  {% endif %}
</section>

<section>
  <h2>{{ label.reach_out }}</h2>
  {% if reach_out %}
  <table>
    <thead><tr><th>{{ label.children }}</th><th>{{ label.language }}</th>
      <th class="n">{{ label.days_quiet }}</th><th>{{ label.ref }}</th></tr></thead>
    <tbody>{% for r in reach_out %}
      <tr><td><bdi>{{ r.children }}</bdi></td><td><bdi>{{ r.language }}</bdi></td>
        <td class="n">{{ r.days }}{% if r.never %} *{% endif %}</td><td>{{ r.ref }}</td></tr>
    {% endfor %}</tbody>
  </table>
  <p class="about">* {{ label.never_replied }}</p>
  {% else %}<p>{{ label.nobody_quiet }}</p>{% endif %}
</section>

<section>
  <h2>{{ label.equity }}</h2>
  <h3>{{ label.by_language }}</h3>
  <table><tbody>{% for name, rate in by_language %}
    <tr><td><bdi>{{ name }}</bdi></td><td class="n">{{ rate }}</td></tr>{% endfor %}
  </tbody></table>
  <h3>{{ label.by_area }}</h3>
  <table><tbody>{% for name, rate in by_area %}
    <tr><td>{{ name }}</td><td class="n">{{ rate }}</td></tr>{% endfor %}
  </tbody></table>
</section>

<section>
  <h2>{{ label.evidence }}</h2>
  {% for standard, lines in evidence %}
  <h3>{{ standard }}</h3>
  <ul>{% for line in lines %}<li>{{ line }}</li>{% endfor %}</ul>
  {% endfor %}
</section>

{% if trend %}
<section>
  <h2>{{ label.trend }}</h2>
  <table>
    <thead><tr><th>{{ label.week }}</th><th class="n">{{ label.sent }}</th>
      <th class="n">{{ label.replied }}</th><th class="n">{{ label.rate }}</th></tr></thead>
    <tbody>{% for week, sent, replied, rate in trend %}
      <tr><td>{{ week }}</td><td class="n">{{ sent }}</td><td class="n">{{ replied }}</td>
        <td class="n">{{ rate }}</td></tr>{% endfor %}</tbody>
  </table>
</section>
{% endif %}

<p class="note">{{ label.confidential }}</p>
</body>
</html>
"""
