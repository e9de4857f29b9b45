//! Copying a network's weights to the host without blocking. In the browser a WebGPU device
//! can only be read asynchronously, while Burn's record format (used to keep the classifier and
//! the GAN's checkpoints) reads parameters synchronously; so the weights first come to a CPU
//! copy of the network in one awaited transfer, and the record is taken from that copy.

use crate::train::{TrainError, read_floats};
use burn::module::{Module, ModuleMapper, ModuleVisitor, Param, ParamId};
use burn::prelude::*;

/// Every float parameter of a network, flattened, in visiting order, with its id.
#[derive(Default)]
struct Gather {
    tensors: Vec<Tensor<1>>,
    ids: Vec<ParamId>,
}

impl ModuleVisitor for Gather {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        self.tensors.push(param.val().flatten::<1>(0, D - 1));
        self.ids.push(param.id);
    }
}

/// Counts a network's float parameters and the values they hold.
#[derive(Default)]
struct Count {
    params: usize,
    values: usize,
}

impl ModuleVisitor for Count {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        self.params += 1;
        self.values += param.val().shape().num_elements();
    }
}

/// Writes values, in visiting order, over the float parameters of a network, and gives each
/// parameter the id of its source, so that the same weights always make the same record.
struct Scatter<'a> {
    values: &'a [f32],
    ids: &'a [ParamId],
    offset: usize,
    index: usize,
}

impl ModuleMapper for Scatter<'_> {
    fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
        let mut param = param.map(|tensor| {
            let shape = tensor.shape();
            let end = self.offset + shape.num_elements();
            let values = self.values[self.offset..end].to_vec();
            self.offset = end;
            Tensor::from_data(TensorData::new(values, shape), &tensor.device())
        });
        param.id = self.ids[self.index];
        self.index += 1;
        param
    }
}

/// Copies the weights of `module` into `host`, a network of the same architecture (typically
/// fresh on a CPU device), reading them in one asynchronous transfer. Fails when the device
/// cannot be read (a lost GPU) or the two networks differ in shape.
pub async fn copy_weights<M: Module>(module: &M, host: M) -> Result<M, TrainError> {
    let mut gather = Gather::default();
    module.visit(&mut gather);
    let ids = gather.ids;
    let values = if gather.tensors.is_empty() {
        Vec::new()
    } else {
        read_floats(Tensor::cat(gather.tensors, 0)).await?
    };

    check_fits(&host, ids.len(), values.len())?;
    Ok(host.map(&mut Scatter {
        values: &values,
        ids: &ids,
        offset: 0,
        index: 0,
    }))
}

/// Checks that `target` holds `params` float parameters of `values` values in all, as the
/// network being copied into it does.
fn check_fits<M: Module>(target: &M, params: usize, values: usize) -> Result<(), TrainError> {
    let mut count = Count::default();
    target.visit(&mut count);
    if count.params != params || count.values != values {
        return Err(TrainError::Device(format!(
            "cannot copy {values} weights in {params} tensors into a network that holds {} in {}",
            count.values, count.params
        )));
    }
    Ok(())
}

/// Puts the given tensors, in visiting order, in place of the float parameters of a network.
struct Replace {
    tensors: std::vec::IntoIter<Tensor<1>>,
    ids: std::vec::IntoIter<ParamId>,
}

impl ModuleMapper for Replace {
    fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
        let source = self
            .tensors
            .next()
            .expect("counted: one tensor per parameter");
        let id = self.ids.next().expect("counted: one id per parameter");
        let mut param = param.map(|fresh| {
            let copy = source.reshape(fresh.shape()).detach();
            match fresh.is_require_grad() {
                true => copy.require_grad(),
                false => copy,
            }
        });
        param.id = id;
        param
    }
}

/// A copy of `module` that shares nothing with it, built on `fresh` (a network of the same
/// architecture on the same device). A plain clone shares batch normalisation's running
/// statistics, which go on changing as training goes on; this copy keeps them as they are now.
/// No data leaves the device. Fails when the two networks differ in shape.
pub fn snapshot<M: Module>(module: &M, fresh: M) -> Result<M, TrainError> {
    let mut gather = Gather::default();
    module.visit(&mut gather);
    let values = gather
        .tensors
        .iter()
        .map(|tensor| tensor.shape().num_elements())
        .sum();
    check_fits(&fresh, gather.ids.len(), values)?;
    Ok(fresh.map(&mut Replace {
        tensors: gather.tensors.into_iter(),
        ids: gather.ids.into_iter(),
    }))
}
