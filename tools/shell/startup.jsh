// The start-up of `./jgrad shell` (after jshell's DEFAULT imports; again after /reset): the
// packages a learner uses, help(), and a one-line greeting.

import dev.jgrad.tensor.*;
import dev.jgrad.autograd.*;
import dev.jgrad.autograd.inspect.*;
import dev.jgrad.nn.*;
import dev.jgrad.nn.Module;   // jgrad's, not java.lang.Module
import dev.jgrad.nn.optim.*;
import dev.jgrad.nn.data.*;
import dev.jgrad.nn.train.*;

/** A few lines to try; each prints as PyTorch would print the same tensor. */
void help() {
    System.out.println("""
        Tensors (they print as in PyTorch):
          var x = Tensor.of(new float[] {1, 2, 3}).requiresGrad(true)
          var y = x.mul(x).sum()              // tensor(14., grad_fn=<SumBackward0>)
          y.backward()
          x.grad()                            // tensor([2., 4., 6.])
          Tensor.randn(2, 3).matmul(Tensor.ones(3, 1))
        Backprop one node at a time:
          var w = Tensor.scalar(1).requiresGrad(true).name("w")
          var stepper = new BackwardStepper(w.mul(3).sub(5).square())
          stepper.next()                      // again until stepper.hasNext() is false
        Layers and optimizers:
          var model = new Sequential(new Linear(4, 8), Activation.relu(), new Linear(8, 1))
          model.forward(Tensor.randn(2, 4))
          var opt = new SGD(model.parameters(), 0.1)
        jshell: /vars lists variables, /save FILE and /open FILE keep a session, Tab completes,
        /exit leaves.""");
}

System.out.println("jgrad " + Optional.ofNullable(Tensor.class.getModule().getDescriptor()).flatMap(d -> d.version()).map(v -> v.toString()).orElse("(development build)")
        + " on Java " + Runtime.version().feature() + ", SIMD " + (dev.jgrad.kernels.Simd.enabled() ? "on" : "off")
        + ". help() shows what to try; /exit leaves.");
