//! Copying a network's weights to the host without blocking. In the browser a WebGPU device
//! can only be read asynchronously, while Burn's record format (used to keep the classifier and
//! the GAN's checkpoints) reads parameters synchronously; so the weights first come to a CPU
//! copy of the network in one awaited transfer, and the record is taken from that copy.

use crate::train::{TrainError, read_floats};
use burn::module::{Module, ModuleMapper, ModuleVisitor, Param};
use burn::prelude::*;

/// Every float parameter of a network, flattened, in visiting order.
struct Gather(Vec<Tensor<1>>);

impl ModuleVisitor for Gather {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        self.0.push(param.val().flatten::<1>(0, D - 1));
    }
}

/// Counts the float values of a network's parameters.
struct Count(usize);

impl ModuleVisitor for Count {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        self.0 += param.val().shape().num_elements();
    }
}

/// Writes values, in visiting order, over the float parameters of a network.
struct Scatter<'a> {
    values: &'a [f32],
    offset: usize,
}

impl ModuleMapper for Scatter<'_> {
    fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
        param.map(|tensor| {
            let shape = tensor.shape();
            let end = self.offset + shape.num_elements();
            let values = self.values[self.offset..end].to_vec();
            self.offset = end;
            Tensor::from_data(TensorData::new(values, shape), &tensor.device())
        })
    }
}

/// Copies the weights of `module` into `host`, a network of the same architecture (typically
/// fresh on a CPU device), reading them in one asynchronous transfer. Fails when the device
/// cannot be read (a lost GPU) or the two networks differ in shape.
pub async fn copy_weights<M: Module>(module: &M, host: M) -> Result<M, TrainError> {
    let mut gather = Gather(Vec::new());
    module.visit(&mut gather);
    let values = if gather.0.is_empty() {
        Vec::new()
    } else {
        read_floats(Tensor::cat(gather.0, 0)).await?
    };

    let mut count = Count(0);
    host.visit(&mut count);
    if count.0 != values.len() {
        return Err(TrainError::Device(format!(
            "cannot copy {} weights into a network that holds {}",
            values.len(),
            count.0
        )));
    }
    Ok(host.map(&mut Scatter {
        values: &values,
        offset: 0,
    }))
}
