/**
 * Training: a {@link dev.jgrad.nn.train.Trainer} with fit / evaluate / predict, listeners (a
 * terminal progress bar, early stopping, checkpoints every epoch, a training-curve plot),
 * metrics, and checkpoint files.
 *
 * <pre>{@code
 * Trainer trainer = new Trainer(model, new Adam(model.parameters(), 1e-3), Losses::crossEntropy)
 *         .metrics(Metric.accuracy())
 *         .listeners(new ProgressBar(), new CurvePlot(Path.of("curves.svg")));
 * History h = trainer.fit(trainLoader, testLoader, 5);
 * }</pre>
 */
package dev.jgrad.nn.train;
