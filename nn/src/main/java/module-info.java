/**
 * Neural-network building blocks on jgrad tensors: modules and layers, losses, optimizers and
 * learning-rate schedulers, datasets and loaders, a training loop with listeners, and
 * checkpoints in the safetensors format.
 */
module dev.jgrad.nn {
    requires transitive dev.jgrad.autograd;
    requires static java.desktop;   // javax.imageio for ImageFolder only, which checks it is resolved
    exports dev.jgrad.nn;
    exports dev.jgrad.nn.optim;
    exports dev.jgrad.nn.data;
    exports dev.jgrad.nn.train;
}
