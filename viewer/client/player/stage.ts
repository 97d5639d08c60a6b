// A WebGL viewport for one scene: renderer, lights, ground, a perspective
// camera with orbit controls (drag to turn, wheel to zoom, right-drag to pan),
// and an optional follow mode that moves the camera with the scene's focus
// point (a cart, a car). Scenes may drive the camera themselves (a car's chase
// and top cameras): then the stage puts it where the scene says every frame,
// dragging does nothing and zooming scales the scene's distance. It renders
// only when something changed.
import * as THREE from 'three';
import { OrbitControls } from 'three/examples/jsm/controls/OrbitControls.js';
import type { Frame } from '../../../core/episode.js';
import type { EnvScene, SceneCamera } from '../scenes/index.js';

const BACKGROUND = 0xeef2f6;
/** The ground's colour, lit (it shows as #ebf0f7), and the tone the light stage paints it in, unlit. */
const GROUND = 0xe3e8ee;
const FLAT_GROUND = 0xebf0f7;
/** Scenes' camera positions frame them for a viewport this wide per unit of height; narrower viewports back the camera off. */
const DESIGN_ASPECT = 1.9;

let software: boolean | null = null;

/**
 * Whether WebGL runs on a software rasterizer here (SwiftShader, llvmpipe:
 * a machine or VM without a GPU, headless Chromium on one). Asked once per page, on a
 * throwaway context. Such a renderer spends most of its frame on antialiasing,
 * shadow maps and lighting the large ground, so the stage draws without them
 * there and keeps them on a GPU.
 */
export function softwareRenderer(): boolean {
  if (software !== null) return software;
  // `?quality=full` or `?quality=light` in the page's address decides instead.
  const asked = new URLSearchParams(location.search).get('quality');
  if (asked === 'full' || asked === 'light') return (software = asked === 'light');
  let name = '';
  try {
    const gl = document.createElement('canvas').getContext('webgl2');
    if (gl) {
      const info = gl.getExtension('WEBGL_debug_renderer_info');
      name = String(gl.getParameter(info ? info.UNMASKED_RENDERER_WEBGL : gl.RENDERER));
      gl.getExtension('WEBGL_lose_context')?.loseContext();
    }
  } catch {
    // No answer: assume a GPU.
  }
  software = /swiftshader|llvmpipe|softpipe|software|basic render/i.test(name);
  return software;
}

export class Stage {
  readonly renderer: THREE.WebGLRenderer;
  private readonly scene = new THREE.Scene();
  private readonly camera = new THREE.PerspectiveCamera(45, 16 / 10, 0.02, 200);
  private readonly controls: OrbitControls;
  private readonly sun = new THREE.DirectionalLight(0xffffff, 2.2);
  private readonly ground: THREE.Group;
  private readonly resize: ResizeObserver;
  private content: EnvScene | null = null;
  private following = false;
  private lastFocus: THREE.Vector3 | null = null;
  private dirty = true;
  /** The scene camera in use, or null for the free orbit camera. */
  private sceneCamera: SceneCamera | null = null;
  /** The scene camera's distance to its target relative to its own (zooming changes it). */
  private cameraScale = 1;
  /** Set while the stage itself moves the camera, so the controls' change event is not taken for a user's zoom. */
  private placing = false;

  /** Full quality (antialiasing, shadows, a lit ground) on a GPU; without them on a software renderer. */
  readonly quality: 'full' | 'light';
  /**
   * Dynamic resolution, on a software renderer only (`?resolution=fixed` turns
   * it off): while frames come slower than the display wants, the drawing
   * buffer shrinks (down to half the canvas's size each way, a quarter of the
   * pixels, which is what a software rasterizer's time goes by); a paused
   * frame is drawn at full size again. The canvas keeps its size on the page.
   */
  private readonly adaptive: boolean;
  private pixelRatio: number;
  private readonly maxPixelRatio: number;
  /** Smoothed milliseconds between successive draws while playing, and when the resolution last changed. */
  private frameMs = 0;
  private lastDraw = 0;
  private lastResize = 0;

  /**
   * `exactPixels`: the drawing buffer is the container's size in pixels, whatever the display's pixel ratio and
   * however slowly frames come (a video's frames, viewer/client/video/).
   */
  constructor(
    private readonly container: HTMLElement,
    options: { readonly exactPixels?: boolean } = {},
  ) {
    this.quality = softwareRenderer() ? 'light' : 'full';
    const full = this.quality === 'full';
    // preserveDrawingBuffer keeps the last frame readable (saving an image, the browser tests).
    this.renderer = new THREE.WebGLRenderer({ antialias: full, preserveDrawingBuffer: true });
    this.maxPixelRatio = options.exactPixels ? 1 : Math.min(window.devicePixelRatio || 1, full ? 2 : 1);
    this.pixelRatio = this.maxPixelRatio;
    this.adaptive = !full && !options.exactPixels && new URLSearchParams(location.search).get('resolution') !== 'fixed';
    this.renderer.setPixelRatio(this.pixelRatio);
    this.renderer.shadowMap.enabled = full;
    this.renderer.shadowMap.type = THREE.PCFShadowMap;
    this.renderer.domElement.classList.add('stage-canvas');
    this.renderer.domElement.dataset.quality = this.quality;
    container.append(this.renderer.domElement);

    this.scene.background = new THREE.Color(BACKGROUND);
    this.scene.add(new THREE.HemisphereLight(0xffffff, 0x9aa3ad, 1.7));
    this.sun.castShadow = true;
    this.sun.shadow.mapSize.set(1024, 1024);
    this.sun.shadow.bias = -0.0005;
    this.scene.add(this.sun, this.sun.target);

    this.ground = new THREE.Group();
    const plane = new THREE.Mesh(
      new THREE.PlaneGeometry(80, 80),
      full ? new THREE.MeshStandardMaterial({ color: GROUND, roughness: 1 }) : new THREE.MeshBasicMaterial({ color: FLAT_GROUND }),
    );
    plane.rotation.x = -Math.PI / 2;
    plane.receiveShadow = true;
    const grid = new THREE.GridHelper(80, 80, 0xc9d1db, 0xd5dce4);
    grid.position.y = 0.001;
    this.ground.add(plane, grid);
    this.scene.add(this.ground);

    this.controls = new OrbitControls(this.camera, this.renderer.domElement);
    this.controls.addEventListener('change', () => {
      this.dirty = true;
      // A wheel zoom under a scene camera: keep the new distance as a scale of the scene's.
      if (this.sceneCamera && !this.placing) {
        const pose = this.sceneCamera.pose();
        const base = pose.position.distanceTo(pose.target);
        if (base > 0) this.cameraScale = this.camera.position.distanceTo(this.controls.target) / base;
      }
    });
    this.resize = new ResizeObserver(() => this.fit());
    this.resize.observe(container);
    this.fit();
  }

  /** Puts `content` on the stage (replacing what was there) and frames it. */
  setContent(content: EnvScene): void {
    if (this.content) this.scene.remove(this.content.root);
    this.content = content;
    this.scene.add(content.root);
    this.ground.visible = !content.ownGround;
    this.camera.far = content.viewDistance ?? 200;
    this.camera.updateProjectionMatrix();
    this.sceneCamera = content.cameras?.[0] ?? null;
    this.cameraScale = 1;
    this.controls.enableRotate = this.controls.enablePan = !this.sceneCamera;
    // The ground sits just under the lowest part of the scene.
    const bounds = new THREE.Box3().setFromObject(content.root);
    this.ground.position.y = Math.min(0, bounds.min.y) - 0.002;
    const r = content.extent;
    const cam = this.sun.shadow.camera;
    cam.left = -r;
    cam.right = r;
    cam.top = r;
    cam.bottom = -r;
    cam.near = 0.1;
    cam.far = r * 8;
    cam.updateProjectionMatrix();
    this.resetView();
  }

  /** Back to the scene's own camera position. */
  resetView(): void {
    if (!this.content) return;
    if (this.sceneCamera) {
      this.cameraScale = 1;
      this.placeSceneCamera();
      return;
    }
    const { position, target } = this.content.view;
    this.controls.target.set(...target);
    const back = Math.max(1, DESIGN_ASPECT / this.camera.aspect);
    this.camera.position.set(...position).sub(this.controls.target).multiplyScalar(back).add(this.controls.target);
    this.controls.update();
    const distance = this.camera.position.distanceTo(this.controls.target);
    this.scene.fog = new THREE.Fog(BACKGROUND, distance * 2.5, distance * 7);
    this.lastFocus = this.content.focus?.() ?? null;
    this.placeSun();
    this.dirty = true;
  }

  /** The scene's own cameras by name (empty when it has none); 'orbit' is the free camera. */
  get cameraNames(): string[] {
    return this.content?.cameras?.map((c) => c.name) ?? [];
  }

  /** The camera in use: a scene camera's name or 'orbit'. */
  get cameraName(): string {
    return this.sceneCamera?.name ?? 'orbit';
  }

  /** Switches to the scene camera called `name`, or to the free orbit camera (from the scene's start view) for any other name. */
  setCamera(name: string): void {
    const next = this.content?.cameras?.find((c) => c.name === name) ?? null;
    if (next === this.sceneCamera) return;
    this.sceneCamera = next;
    this.cameraScale = 1;
    this.controls.enableRotate = this.controls.enablePan = !next;
    this.resetView();
  }

  /** Puts the camera where the scene camera says for the frame on show. */
  private placeSceneCamera(): void {
    const pose = this.sceneCamera!.pose();
    const offset = pose.position.clone().sub(pose.target).multiplyScalar(this.cameraScale);
    this.placing = true;
    this.controls.target.copy(pose.target);
    this.camera.position.copy(pose.target).add(offset);
    this.controls.update();
    this.placing = false;
    const distance = offset.length();
    const [near, far] = pose.fog ?? [distance * 2.5, distance * 7];
    const fog = this.scene.fog as THREE.Fog | null;
    if (fog) {
      fog.near = near * this.cameraScale;
      fog.far = far * this.cameraScale;
    } else this.scene.fog = new THREE.Fog(BACKGROUND, near * this.cameraScale, far * this.cameraScale);
    this.placeSun();
    this.dirty = true;
  }

  get canFollow(): boolean {
    return Boolean(this.content?.focus);
  }

  setFollow(on: boolean): void {
    this.following = on && this.canFollow;
    this.lastFocus = this.content?.focus?.() ?? null;
  }

  /** Moves the camera towards (factor < 1) or away from (> 1) its target. */
  zoom(factor: number): void {
    if (this.sceneCamera) {
      this.cameraScale *= factor;
      this.placeSceneCamera();
      return;
    }
    const offset = this.camera.position.clone().sub(this.controls.target).multiplyScalar(factor);
    this.camera.position.copy(this.controls.target).add(offset);
    this.controls.update();
    this.dirty = true;
  }

  show(frame: Frame, index: number): void {
    if (!this.content) return;
    this.content.show(frame, index);
    if (this.sceneCamera) this.placeSceneCamera();
    else if (this.following && this.content.focus) {
      const focus = this.content.focus();
      if (this.lastFocus) {
        const delta = focus.clone().sub(this.lastFocus);
        this.camera.position.add(delta);
        this.controls.target.add(delta);
        this.controls.update();
        this.placeSun();
      }
      this.lastFocus = focus;
    }
    this.dirty = true;
  }

  /** Draws if anything changed since the last draw. */
  render(): void {
    if (!this.dirty) return;
    this.dirty = false;
    if (this.adaptive) this.adaptResolution(performance.now());
    this.renderer.render(this.scene, this.camera);
  }

  /** The drawing buffer's size relative to the canvas's CSS size (1 but under dynamic resolution). */
  get resolution(): number {
    return this.pixelRatio / this.maxPixelRatio;
  }

  private adaptResolution(now: number): void {
    const gap = now - this.lastDraw;
    this.lastDraw = now;
    // Only consecutive frames of playback count. After a pause, a single redraw
    // or a jump, the average starts over and the frame is drawn sharp again: a
    // still picture costs one slow frame, and animation frames arrive at the
    // display's rate at best, so they cannot tell how much faster it could go.
    if (gap > 100) {
      this.frameMs = 0;
      this.setPixelRatio(this.maxPixelRatio, now);
      return;
    }
    this.frameMs = this.frameMs === 0 ? gap : 0.8 * this.frameMs + 0.2 * gap;
    if (now - this.lastResize < 300 || this.frameMs <= 1000 / 55) return;
    this.setPixelRatio(Math.max(this.maxPixelRatio / 2, this.pixelRatio * 0.85), now);
  }

  private setPixelRatio(ratio: number, now: number): void {
    if (Math.abs(ratio - this.pixelRatio) < 1e-3) return;
    this.pixelRatio = ratio;
    this.lastResize = now;
    this.renderer.setPixelRatio(ratio);
    this.renderer.setSize(Math.max(1, this.container.clientWidth), Math.max(1, this.container.clientHeight));
  }

  /** The sun shines from the upper front left of whatever the camera looks at, so shadows fall behind and to the right. */
  private placeSun(): void {
    const t = this.controls.target;
    const r = this.content?.extent ?? 3;
    this.sun.position.set(t.x - r * 0.8, t.y + r * 2.5, t.z + r * 1.6);
    this.sun.target.position.copy(t);
  }

  private fit(): void {
    const w = Math.max(1, this.container.clientWidth);
    const h = Math.max(1, this.container.clientHeight);
    this.renderer.setSize(w, h);
    this.camera.aspect = w / h;
    this.camera.updateProjectionMatrix();
    this.dirty = true;
    this.render();
  }

  dispose(): void {
    this.resize.disconnect();
    this.controls.dispose();
    this.content?.dispose();
    this.ground.traverse((o) => {
      const m = o as THREE.Mesh;
      m.geometry?.dispose();
      (m.material as THREE.Material | undefined)?.dispose();
    });
    this.renderer.dispose();
    this.renderer.forceContextLoss();
    this.renderer.domElement.remove();
  }
}
