// Replays a backward pass recorded by jgrad's BackwardStepper: Next/Previous move through the
// steps; the active node, the formula applied and the gradients sent are shown at each step.
(function () {
  'use strict';
  var data = JSON.parse(document.getElementById('jgrad-data').textContent);
  var pos = -1;
  var total = data.steps.length;
  function $(id) { return document.getElementById(id); }
  function clear(el) { while (el.firstChild) el.removeChild(el.firstChild); }
  function item(list, text) { var li = document.createElement('li'); li.textContent = text; list.appendChild(li); return li; }
  function each(selector, fn) { Array.prototype.forEach.call(document.querySelectorAll(selector), fn); }

  function gradientsUpTo(k) {
    var grads = {};
    for (var i = 0; i <= k; i++) {
      var s = data.steps[i];
      grads[s.node] = s.upstreamShort;
      s.leaves.forEach(function (l) { grads[l.id] = l.gradShort; });
    }
    return grads;
  }

  function render() {
    each('.node', function (n) { n.classList.remove('active', 'done', 'receiving', 'has-grad'); });
    each('.edge', function (e) { e.classList.remove('flow'); });
    var grads = gradientsUpTo(pos);
    data.nodes.forEach(function (n) {
      var g = $('g' + n.id);
      if (!g || n.kind === 'INPUT') return;
      var known = Object.prototype.hasOwnProperty.call(grads, n.id);
      g.textContent = 'grad ' + (known ? grads[n.id] : '—');
      if (known) $('n' + n.id).classList.add('has-grad');
    });
    for (var i = 0; i <= pos; i++) $('n' + data.steps[i].node).classList.add('done');
    $('prev').disabled = pos < 0;
    $('next').disabled = pos >= total - 1;
    $('step-counter').textContent = pos < 0 ? 'Forward pass' : 'Step ' + (pos + 1) + ' of ' + total;
    ['inputs', 'sent', 'leaves'].forEach(function (id) { clear($(id)); });
    if (pos < 0) {
      $('node-title').textContent = 'Forward pass done';
      $('intro').textContent = 'L = ' + data.loss + '. Press Next (or →) to run backward one node at a time, from the loss back to the parameters ('
          + total + ' steps).';
      $('details').classList.add('hidden');
      return;
    }
    var s = data.steps[pos];
    $('details').classList.remove('hidden');
    $('node-title').textContent = s.heading;
    $('intro').textContent = '';
    $('rule-name').textContent = s.rule;
    $('forward').textContent = s.forward;
    $('backward').textContent = s.backward;
    s.inputs.forEach(function (x) { item($('inputs'), x.role + ' = ' + x.heading + '  ' + x.value); });
    $('output').textContent = s.output;
    $('upstream').textContent = s.upstream;
    s.sent.forEach(function (x) {
      var li = item($('sent'), '∂L/∂' + x.role + ' = ' + x.value + '  → ' + x.heading);
      li.setAttribute('data-to', x.to);
      var target = $('n' + x.to);
      if (target) target.classList.add('receiving');
      each('.edge[data-from="' + x.to + '"][data-to="' + s.node + '"]', function (e) { e.classList.add('flow'); });
    });
    if (s.sent.length === 0) item($('sent'), 'nothing (no input needs a gradient)');
    s.leaves.forEach(function (l) { item($('leaves'), l.heading + '.grad = ' + l.grad).setAttribute('data-leaf', l.id); });
    if (s.leaves.length === 0) item($('leaves'), 'none');
    var active = $('n' + s.node);
    active.classList.add('active');
    if (!fit && active.scrollIntoView) active.scrollIntoView({ block: 'center', inline: 'center' });
  }

  // Zoom: "fit" scales the whole graph into the window (never above full size); "100%" scrolls to the active node.
  var svg = $('graph'), wrap = $('graph-wrap');
  var natural = { w: Number(svg.getAttribute('width')), h: Number(svg.getAttribute('height')) };
  var fit = fitScale() >= 0.5;
  function fitScale() { return Math.min(1, (wrap.clientWidth - 4) / natural.w, (wrap.clientHeight - 4) / natural.h); }
  function applyZoom() {
    var s = fit ? fitScale() : 1;
    svg.style.width = Math.floor(natural.w * s) + 'px';
    svg.style.height = Math.floor(natural.h * s) + 'px';
    $('zoom').textContent = fit ? 'Zoom: fit' : 'Zoom: 100%';
  }
  $('zoom').addEventListener('click', function () { fit = !fit; applyZoom(); render(); });
  window.addEventListener('resize', applyZoom);
  applyZoom();

  function go(to) {
    var p = Math.max(-1, Math.min(total - 1, to));
    if (p !== pos) { pos = p; render(); }
  }
  $('next').addEventListener('click', function () { go(pos + 1); });
  $('prev').addEventListener('click', function () { go(pos - 1); });
  document.addEventListener('keydown', function (e) {
    if (e.key === 'ArrowRight') go(pos + 1);
    else if (e.key === 'ArrowLeft') go(pos - 1);
    else if (e.key === 'Home') go(-1);
    else if (e.key === 'End') go(total - 1);
  });
  window.jgradStepper = { go: go, position: function () { return pos; }, data: data };
  render();
})();
