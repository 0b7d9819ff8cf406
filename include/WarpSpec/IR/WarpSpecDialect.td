//===- WarpSpecDialect.td - ws dialect -------------------*- tablegen -*-===//

#ifndef WARPSPEC_DIALECT_TD
#define WARPSPEC_DIALECT_TD

include "mlir/IR/OpBase.td"

def WarpSpec_Dialect : Dialect {
  let name = "ws";
  let summary = "warp specialization: roles of one CTA and the channels "
                "between them";
  let description = [{
    The `ws` dialect splits one CTA (thread block) of a GPU kernel into
    *roles*, each a whole number of warpgroups with a register budget of its
    own (`ws.warp_specialize`), and gives the roles *channels*
    (`!ws.channel<depth>`): rings of shared-memory slots that one side fills
    and the other drains, with each slot's ownership visible in SSA from
    `ws.channel.acquire` to `ws.channel.release`.

    It knows nothing of what the roles compute. Its two lowerings turn roles
    into `setmaxnreg` branches with role-scoped named barriers
    (`convert-ws-warp-specialize-to-nvvm`) and channels into mbarriers
    (`convert-ws-channels-to-nvvm`), for NVIDIA Hopper (sm_90a).
  }];
  let cppNamespace = "::mlir::ws";
  let useDefaultTypePrinterParser = 1;
  let usePropertiesForAttributes = 1;
  let extraClassDeclaration = [{
    /// Registers the dialect's types (in WarpSpecTypes.cpp).
    void registerTypes();
  }];
}

class WarpSpec_Op<string mnemonic, list<Trait> traits = []>
    : Op<WarpSpec_Dialect, mnemonic, traits>;

#endif // WARPSPEC_DIALECT_TD
