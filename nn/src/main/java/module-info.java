/**
 * Neural-network building blocks on jgrad tensors: modules, layers, losses, optimizers,
 * data loading, training and checkpoints.
 */
module dev.jgrad.nn {
    requires transitive dev.jgrad.autograd;
}
